package io.fabric.cli.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.dlq.DeadLetterFilter;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The query of {@code GET /v1/dead-letters} becomes exactly the filter {@code fabric dlq list} builds from its options. */
class GatewayDeadLettersTest {
  @Test
  void repeatedAndCommaSeparatedValuesAreAlternativesAndTimesParseAsTheCliParsesThem() {
    DeadLetterFilter filter = GatewayDeadLetters.filter(Map.of("tenant", List.of("acme,globex"), "reason", List.of("execution_failed", "IN_DOUBT"),
        "from", List.of("2026-12-01T10:00:00.000"), "error", List.of("card_declined")));
    assertEquals(Set.of("acme", "globex"), filter.tenants());
    assertEquals(Set.of("EXECUTION_FAILED", "IN_DOUBT"), filter.reasons());
    assertEquals(Instant.parse("2026-12-01T10:00:00Z"), filter.from());
    assertEquals("card_declined", filter.error().pattern());
    assertEquals(DeadLetterFilter.ALL.describe(), GatewayDeadLetters.filter(Map.of()).describe());
  }

  @Test
  void aWrongFilterIsNamedNeverIgnored() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> GatewayDeadLetters.filter(Map.of("tenants", List.of("acme"))))
        .getMessage().startsWith("unknown filter 'tenants'"), "a typo must not list everything");
    assertTrue(assertThrows(IllegalArgumentException.class, () -> GatewayDeadLetters.filter(Map.of("from", List.of("yesterday"))))
        .getMessage().startsWith("from: "));
    assertThrows(IllegalArgumentException.class, () -> GatewayDeadLetters.filter(Map.of("error", List.of("(unclosed"))));
    assertThrows(IllegalArgumentException.class, () -> GatewayDeadLetters.filter(Map.of("by_duration", List.of("PT1H", "PT2H"))));
  }
}
