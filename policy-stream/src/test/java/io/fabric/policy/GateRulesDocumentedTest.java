package io.fabric.policy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.records.Identifiers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The gate's rules table in {@code docs/kafka-contract.md} is written by hand, but its limits are
 * the gate's: a producer in another language sizes its fields by them. Each row must state the
 * bounds this module enforces (the rest of the document is checked in {@code schemas}).
 */
class GateRulesDocumentedTest {
  private static final Path CONTRACT = Path.of("..", "docs", "kafka-contract.md");

  @Test
  void theContractStatesTheLimitsTheGateEnforces() throws Exception {
    Map<String, List<String>> expected = Map.ofEntries(
        Map.entry("request_id", List.of("at most " + Identifiers.MAX_ID)),
        Map.entry("tenant_id", List.of("at most " + Identifiers.MAX_TENANT)),
        Map.entry("idempotency_key", List.of("1 to " + Identifiers.MAX_IDEMPOTENCY_KEY)),
        Map.entry("payload", List.of((Policy.DEFAULT_MAX_PAYLOAD_BYTES / 1024) + " KiB by default")),
        Map.entry("approval_token", List.of("at most " + RequestValidator.MAX_APPROVAL_TOKEN)),
        Map.entry("source", List.of("at most " + RequestValidator.MAX_SOURCE)),
        Map.entry("traceparent", List.of("at most " + RequestValidator.MAX_TRACEPARENT)),
        Map.entry("attributes", List.of("at most " + RequestValidator.MAX_ATTRIBUTES, "at most " + RequestValidator.MAX_ATTRIBUTE_NAME,
            "at most " + RequestValidator.MAX_ATTRIBUTE_VALUE)),
        Map.entry("submitted_at", List.of("at most " + SubmitterVerifier.DEFAULT_MAX_AGE.toMinutes() + " minutes old",
            "at most " + SubmitterVerifier.DEFAULT_CLOCK_SKEW.toMinutes() + " minutes in the future")));
    List<String> lines = Files.readAllLines(CONTRACT);
    List<String> missing = new ArrayList<>();
    expected.forEach((field, phrases) -> {
      String row = lines.stream().filter(l -> l.startsWith("| `" + field + "` |")).findFirst().orElse("");
      phrases.stream().filter(p -> !row.contains(p)).forEach(p -> missing.add(field + ": \"" + p + "\""));
    });
    assertTrue(missing.isEmpty(), "docs/kafka-contract.md, \"What the gate checks\", no longer states the gate's limits: " + missing);
  }
}
