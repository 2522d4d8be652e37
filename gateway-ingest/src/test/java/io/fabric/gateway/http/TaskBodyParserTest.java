package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.topics.ReservedNames;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TaskBodyParserTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Caller ACME = new Caller("acme-billing", Set.of("acme"));
  private static final Caller OPS = new Caller("ops", Set.of("acme", "globex"));

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text);
  }

  @Test
  void theTenantComesFromTheKeyAndTheCallerIsNamed() throws Exception {
    TaskRequest request = TaskBodyParser.parse(json("{\"action\":\"summarize\",\"payload\":{\"a\":1}}"), ACME, "k1", 5L).request().orElseThrow();
    assertEquals("acme", request.getTenantId());
    assertEquals("k1", request.getIdempotencyKey());
    assertEquals("{\"a\":1}", request.getPayload());
    assertEquals("acme-billing", request.getAttributes().get(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE));
    assertEquals(5L, request.getSubmittedAt());
  }

  @Test
  void anotherTenantIsARefusalNotAFieldError() throws Exception {
    TaskBodyParser.Parsed parsed = TaskBodyParser.parse(json("{\"tenant_id\":\"globex\",\"action\":\"a\"}"), ACME, null, 0);
    assertEquals(Optional.of("globex"), parsed.foreignTenant());
    assertTrue(parsed.request().isEmpty());
  }

  @Test
  void aKeyForSeveralTenantsMustNameOne() throws Exception {
    assertEquals(List.of(new FieldError("tenant_id", "required: this credential acts for several tenants")),
        TaskBodyParser.parse(json("{\"action\":\"a\"}"), OPS, null, 0).errors());
    assertEquals("globex", TaskBodyParser.parse(json("{\"tenant_id\":\"globex\",\"action\":\"a\"}"), OPS, null, 0).request().orElseThrow().getTenantId());
  }

  @Test
  void everyWrongFieldIsNamed() throws Exception {
    List<FieldError> errors = TaskBodyParser.parse(json(
        "{\"submitter\":\"x\",\"final_step\":\"yes\",\"attributes\":{\"gateway.principal\":\"me\",\"n\":1},\"x\":1}"), ACME, null, 0).errors();
    assertEquals(Set.of("submitter", "final_step", "attributes.gateway.principal", "attributes.n", "x", "action"),
        Set.copyOf(errors.stream().map(FieldError::field).toList()));
  }

  @Test
  void aChosenRequestIdIsScopedToTheTenantAndStaysSoWhenSentBack() throws Exception {
    TaskRequest acme = TaskBodyParser.parse(json("{\"action\":\"a\",\"request_id\":\"order-42\"}"), ACME, null, 0).request().orElseThrow();
    TaskRequest globex = TaskBodyParser.parse(json("{\"tenant_id\":\"globex\",\"action\":\"a\",\"request_id\":\"order-42\"}"), OPS, null, 0)
        .request().orElseThrow();
    TaskRequest again = TaskBodyParser.parse(json("{\"action\":\"a\",\"request_id\":\"tenant:acme:order-42\"}"), ACME, null, 0)
        .request().orElseThrow();

    assertEquals("tenant:acme:order-42", acme.getRequestId());
    assertEquals("tenant:globex:order-42", globex.getRequestId(), "the same chosen id of another tenant is another request");
    assertEquals(acme.getRequestId(), again.getRequestId(), "the id the 202 returned, sent back, is the same request");
    assertTrue(TaskBodyParser.parse(json("{\"action\":\"a\"}"), ACME, null, 0).request().orElseThrow().getRequestId()
        .matches("[0-9a-f-]{36}"), "an id the gateway picks is not scoped");
  }

  @Test
  void identifierRulesNameTheirField() throws Exception {
    assertEquals("request_id", TaskBodyParser.parse(json("{\"action\":\"a\",\"request_id\":\"has space\"}"), ACME, null, 0)
        .errors().get(0).field());
    assertEquals("idempotency_key", TaskBodyParser.parse(json("{\"action\":\"a\"}"), ACME, "with space", 0).errors().get(0).field());
  }
}
