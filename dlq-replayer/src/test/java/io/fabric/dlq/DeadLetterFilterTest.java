package io.fabric.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadLetterFilterTest {
  private static final Instant NOON = Instant.parse("2026-11-25T12:00:00Z");

  private static DeadLetterEntry entry(DeadLetter deadLetter) {
    return DeadLetterEntry.decoded(0, 0, deadLetter.getAt(), null, new byte[0], deadLetter);
  }

  private final DeadLetterEntry httpFailure = entry(DeadLetterSamples.executionFailed("fabric.tasks.ingress", 1, NOON,
      "http", "acme", "flow-1", "send_whatsapp", new IOException("connection refused by 10.0.0.1"), 3));
  private final DeadLetterEntry unknownType = entry(DeadLetterSamples.unknownTaskType("fabric.tasks.ingress", 2,
      NOON.minus(Duration.ofHours(2)), "globex", "flow-2", "teleport"));
  private final DeadLetterEntry unreadable = DeadLetterEntry.unreadable(1, 7, NOON.toEpochMilli(), null, new byte[] {1},
      "SerializationException: not an Avro single-object record");

  @Test
  void emptyFilterMatchesEverythingIncludingUnreadableRecords() {
    DeadLetterFilter filter = DeadLetterFilter.ALL;

    assertTrue(filter.test(httpFailure) && filter.test(unknownType) && filter.test(unreadable));
    assertEquals("(none)", filter.describe());
  }

  @Test
  void valuesOfOneCriterionAreAlternativesAndCriteriaCombine() {
    DeadLetterFilter tenants = DeadLetterFilter.builder().tenants(List.of("acme", "globex")).build();
    DeadLetterFilter acmeTeleport = DeadLetterFilter.builder().tenants(List.of("acme")).actions(List.of("teleport")).build();

    assertTrue(tenants.test(httpFailure) && tenants.test(unknownType));
    assertFalse(tenants.test(unreadable), "an unreadable record has no tenant");
    assertFalse(acmeTeleport.test(httpFailure) || acmeTeleport.test(unknownType));
  }

  @Test
  void flowStageAndReasonMatchExactlyWithReasonCaseInsensitive() {
    assertTrue(DeadLetterFilter.builder().flows(List.of("flow-1")).build().test(httpFailure));
    assertFalse(DeadLetterFilter.builder().flows(List.of("flow-1")).build().test(unknownType));
    assertTrue(DeadLetterFilter.builder().stages(List.of("plugin:http")).build().test(httpFailure));
    assertFalse(DeadLetterFilter.builder().stages(List.of("plugin")).build().test(httpFailure));
    assertTrue(DeadLetterFilter.builder().reasons(List.of("execution_failed")).build().test(httpFailure));
    assertTrue(DeadLetterFilter.builder().reasons(List.of("unreadable")).build().test(unreadable));
    assertFalse(DeadLetterFilter.builder().reasons(List.of("UNREADABLE")).build().test(httpFailure));
  }

  @Test
  void errorRegexIsSearchedInClassMessageAndAttempts() {
    assertTrue(DeadLetterFilter.builder().error("refused").build().test(httpFailure));
    assertTrue(DeadLetterFilter.builder().error("^java\\.io\\.IOException$").build().test(httpFailure));
    assertTrue(DeadLetterFilter.builder().error("no plugin provides").build().test(unknownType));
    assertTrue(DeadLetterFilter.builder().error("single-object").build().test(unreadable));
    assertFalse(DeadLetterFilter.builder().error("timeout").build().test(httpFailure));
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> DeadLetterFilter.builder().error("(").build());
    assertTrue(bad.getMessage().contains("--error"), bad.getMessage());
  }

  @Test
  void timeWindowIncludesFromAndExcludesTo() {
    DeadLetterFilter window = DeadLetterFilter.builder().from(NOON.minus(Duration.ofHours(1))).to(NOON).build();
    DeadLetterFilter fromNoon = DeadLetterFilter.builder().from(NOON).build();

    assertFalse(window.test(httpFailure), "at == to is outside");
    assertFalse(window.test(unknownType), "two hours before noon is before from");
    assertTrue(fromNoon.test(httpFailure), "at == from is inside");
    assertTrue(fromNoon.test(unreadable), "unreadable records use the Kafka timestamp");
    assertThrows(IllegalArgumentException.class, () -> DeadLetterFilter.builder().from(NOON).to(NOON).build());
  }

  @Test
  void byDurationMeansWithinTheLastDurationAndExcludesFromDatetime() {
    Clock clock = Clock.fixed(NOON.plus(Duration.ofMinutes(30)), ZoneOffset.UTC);
    DeadLetterFilter lastHour = DeadLetterFilter.builder().byDuration(Duration.ofHours(1)).clock(clock).build();

    assertEquals(NOON.minus(Duration.ofMinutes(30)), lastHour.from());
    assertTrue(lastHour.test(httpFailure));
    assertFalse(lastHour.test(unknownType));
    IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
        () -> DeadLetterFilter.builder().byDuration(Duration.ofHours(1)).from(NOON).build());
    assertTrue(both.getMessage().contains("--by-duration"), both.getMessage());
  }

  @Test
  void parsesKafkaDateTimesAsUtcAndIsoDateTimesWithTheirZone() {
    assertEquals(Instant.parse("2026-11-25T10:00:00Z"), DeadLetterFilter.parseDateTime("2026-11-25T10:00:00.000"));
    assertEquals(Instant.parse("2026-11-25T10:00:00Z"), DeadLetterFilter.parseDateTime("2026-11-25T10:00:00"));
    assertEquals(Instant.parse("2026-11-25T10:00:00.250Z"), DeadLetterFilter.parseDateTime("2026-11-25T10:00:00.250Z"));
    assertEquals(Instant.parse("2026-11-25T09:00:00Z"), DeadLetterFilter.parseDateTime("2026-11-25T10:00:00.000+01:00"));
    assertEquals(Instant.parse("2026-11-25T09:00:00Z"), DeadLetterFilter.parseDateTime("2026-11-25T10:00:00.000+0100"));
    assertEquals(Instant.parse("2026-11-25T09:00:00Z"), DeadLetterFilter.parseDateTime("2026-11-25T10:00:00+01:00[Europe/Paris]"));
    assertEquals(Instant.parse("2026-11-25T00:00:00Z"), DeadLetterFilter.parseDateTime("2026-11-25"));
    assertThrows(IllegalArgumentException.class, () -> DeadLetterFilter.parseDateTime("yesterday"));
    assertThrows(IllegalArgumentException.class, () -> DeadLetterFilter.parseDateTime("2026-13-01T00:00:00"));
  }

  @Test
  void parsesPositiveIsoDurations() {
    assertEquals(Duration.ofHours(1), DeadLetterFilter.parseDuration("PT1H"));
    assertEquals(Duration.ofHours(36), DeadLetterFilter.parseDuration("p1dt12h"));
    assertThrows(IllegalArgumentException.class, () -> DeadLetterFilter.parseDuration("1h"));
    assertThrows(IllegalArgumentException.class, () -> DeadLetterFilter.parseDuration("PT0S"));
    assertThrows(IllegalArgumentException.class, () -> DeadLetterFilter.parseDuration("-PT1H"));
  }

  @Test
  void describesTheCriteriaInForce() {
    DeadLetterFilter filter = DeadLetterFilter.builder().tenants(List.of("b", "a")).reasons(List.of("execution_failed"))
        .error("refused").from(NOON).build();

    assertEquals("tenant=a,b reason=EXECUTION_FAILED error~/refused/ from=2026-11-25T12:00:00Z", filter.describe());
  }
}
