package io.fabric.schemas.records;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.TaskRequest;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class IdentifiersTest {
  private static TaskRequest request(String tenant, String id, String flow, String key) {
    return TaskRequest.newBuilder().setRequestId(id).setTenantId(tenant).setFlowId(flow).setAction("summarize")
        .setPayload("{}").setIdempotencyKey(key).setSubmittedAt(0).setSource("test").build();
  }

  @Test
  void uuidsTenantsAndOrderKeysPass() {
    assertEquals(Optional.empty(), Identifiers.problem(request("acme-eu_1.x", "5b7c1a86-0c8e-4a4b-9b54-1f3c35bd1a10", "flow-1",
        "order:42/eu+retry=1")));
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "acme|eu; r1; f1; k; tenant_id",
      "acme; r|1; f1; k; request_id",
      "acme; r1; f 1; k; flow_id",
      "acme; r1; f1; a|b; idempotency_key",
      "acme; r1; f1; a b; idempotency_key",
      "-acme; r1; f1; k; tenant_id",
  })
  void separatorsSpacesAndLeadingPunctuationAreRefused(String tenant, String id, String flow, String key, String field) {
    Optional<String> problem = Identifiers.problem(request(tenant, id, flow, key));
    assertTrue(problem.isPresent() && problem.get().startsWith(field), problem.toString());
  }

  @Test
  void lengthsAreBounded() {
    assertTrue(Identifiers.problem(request("t".repeat(65), "r", "f", "k")).isPresent());
    assertTrue(Identifiers.problem(request("t", "r".repeat(129), "f", "k")).isPresent());
    assertTrue(Identifiers.problem(request("t", "r", "f", "k".repeat(201))).isPresent());
    assertTrue(Identifiers.problem(request("t", "r", "f", "k\u0000")).isPresent());
  }
}
