package io.fabric.gateway.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaBroker;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code POST /v1/tasks} over real HTTP against the real broker: what is answered, and what reaches the ingress topic. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class GatewaySubmitIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TopicCatalog catalog;
  private static KafkaConnection kafka;
  private static GatewayHarness gateway;

  @BeforeAll
  static void start() {
    catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("gw") + ".", 3, List.of());
    kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
    gateway = new GatewayHarness(kafka, catalog, GatewayConfig.defaults("127.0.0.1", 0).withLimits(4096, 5), Map.of());
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  private static List<TaskRequest> ingress() {
    List<TaskRequest> all = new ArrayList<>();
    LatestByKeyReader.scan(kafka, catalog.ingress, r -> all.add(r.value()));
    return all;
  }

  private static TaskRequest onIngress(String requestId) {
    return await().atMost(Duration.ofSeconds(20)).until(() -> ingress().stream().filter(r -> r.getRequestId().equals(requestId))
        .findFirst().orElse(null), r -> r != null);
  }

  @Test
  void aTaskIsAcceptedOnceKafkaHasItSignedByTheGatewayForTheKeysHolder() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/tasks", GatewayHarness.ACME_KEY,
        "{\"action\":\"summarize\",\"payload\":{\"text\":\"hi\"}}", Map.of("Idempotency-Key", "order-17"));

    assertEquals(202, response.statusCode(), response.body());
    String id = JSON.readTree(response.body()).get("request_id").asText();
    // acks=all came before the 202: the record is readable right away
    TaskRequest sent = ingress().stream().filter(r -> r.getRequestId().equals(id)).findFirst().orElseThrow();
    assertEquals("acme", sent.getTenantId(), "the tenant comes from the key");
    assertEquals("gateway", sent.getSubmitter());
    assertNotNull(sent.getSubmitterSignature());
    assertEquals("acme-billing", sent.getAttributes().get(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE));
    assertEquals("order-17", sent.getIdempotencyKey());
    assertEquals("{\"text\":\"hi\"}", sent.getPayload());
  }

  @Test
  void aResubmissionWithTheSameIdempotencyKeyCarriesTheSameKey() throws Exception {
    String first = JSON.readTree(gateway.post("/v1/tasks", GatewayHarness.ACME_KEY, "{\"action\":\"summarize\"}",
        Map.of("Idempotency-Key", "retry-me")).body()).get("request_id").asText();
    String second = JSON.readTree(gateway.post("/v1/tasks", GatewayHarness.ACME_KEY, "{\"action\":\"summarize\"}",
        Map.of("Idempotency-Key", "retry-me")).body()).get("request_id").asText();

    assertEquals("retry-me", onIngress(first).getIdempotencyKey());
    assertEquals("retry-me", onIngress(second).getIdempotencyKey(), "the gate runs a (tenant, key) once: the second is its DUPLICATE");
  }

  @Test
  void aBatchGetsOneIdPerTaskAndPerItemKeys() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/tasks", GatewayHarness.MULTI_KEY,
        "[{\"tenant_id\":\"acme\",\"action\":\"summarize\"},{\"tenant_id\":\"globex\",\"action\":\"summarize\"}]",
        Map.of("Idempotency-Key", "b1"));

    assertEquals(202, response.statusCode(), response.body());
    JsonNode ids = JSON.readTree(response.body()).get("request_ids");
    assertEquals(2, ids.size());
    assertEquals("b1#0", onIngress(ids.get(0).asText()).getIdempotencyKey());
    assertEquals("globex", onIngress(ids.get(1).asText()).getTenantId());
  }

  @Test
  void noKeyOrAnUnknownKeyIs401() throws Exception {
    assertEquals(401, gateway.post("/v1/tasks", null, "{\"action\":\"summarize\"}", Map.of()).statusCode());
    HttpResponse<String> unknown = gateway.post("/v1/tasks", ApiKeys.newKey(), "{\"action\":\"summarize\"}", Map.of());
    assertEquals(401, unknown.statusCode());
    assertTrue(unknown.headers().firstValue("WWW-Authenticate").isPresent());
  }

  @Test
  void aBodyNamingAnotherTenantIs403AndASecurityEvent() throws Exception {
    int before = ingress().size();
    HttpResponse<String> response = gateway.post("/v1/tasks", GatewayHarness.ACME_KEY,
        "{\"tenant_id\":\"globex\",\"action\":\"summarize\"}", Map.of());

    assertEquals(403, response.statusCode(), response.body());
    await().atMost(Duration.ofSeconds(20)).until(() -> {
      List<AuditEvent> events = new ArrayList<>();
      LatestByKeyReader.scan(kafka, catalog.audit, r -> events.add(r.value()));
      return events.stream().anyMatch(e -> e.getType().equals("SECURITY_EVENT") && "globex".equals(e.getTenantId())
          && "acme-billing".equals(e.getSubmitter()));
    });
    assertEquals(before, ingress().size(), "nothing was sent");
  }

  @Test
  void fieldErrorsAre400AndNameEveryField() throws Exception {
    HttpResponse<String> response = gateway.post("/v1/tasks", GatewayHarness.ACME_KEY,
        "{\"action\":5,\"submitter\":\"me\",\"colour\":\"red\",\"attributes\":{\"fabric.x\":\"1\"}}", Map.of());

    assertEquals(400, response.statusCode(), response.body());
    List<String> fields = new ArrayList<>();
    JSON.readTree(response.body()).get("fields").forEach(f -> fields.add(f.get("field").asText()));
    assertTrue(fields.containsAll(List.of("action", "submitter", "colour", "attributes.fabric.x")), fields.toString());

    HttpResponse<String> badId = gateway.post("/v1/tasks", GatewayHarness.ACME_KEY, "[{\"action\":\"a\"},{\"action\":\"a\",\"flow_id\":\"no spaces\"}]", Map.of());
    assertEquals(400, badId.statusCode(), badId.body());
    assertEquals("[1].flow_id", JSON.readTree(badId.body()).get("fields").get(0).get("field").asText());
  }

  @Test
  void aBodyOrABatchOverTheLimitIs413() throws Exception {
    String big = "{\"action\":\"summarize\",\"payload\":{\"text\":\"" + "x".repeat(5000) + "\"}}";
    assertEquals(413, gateway.post("/v1/tasks", GatewayHarness.ACME_KEY, big, Map.of()).statusCode());
    String sixTasks = "[" + String.join(",", java.util.Collections.nCopies(6, "{\"action\":\"a\"}")) + "]";
    assertEquals(413, gateway.post("/v1/tasks", GatewayHarness.ACME_KEY, sixTasks, Map.of()).statusCode());
  }

  @Test
  void aSaturatedProducerAnswers429WithRetryAfterInsteadOfQueueing() throws Exception {
    // One record may wait for Kafka; the producer holds each batch 3 s (linger), so the first task keeps the slot.
    try (GatewayHarness slow = new GatewayHarness(kafka, catalog, GatewayConfig.defaults("127.0.0.1", 0).withMaxInFlight(1),
        Map.of(ProducerConfig.LINGER_MS_CONFIG, 3000))) {
      CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> call(slow));
      await().atMost(Duration.ofSeconds(10)).until(() -> slow.sender.inFlight() == 1);

      HttpResponse<String> second = slow.post("/v1/tasks", GatewayHarness.ACME_KEY, "{\"action\":\"summarize\"}", Map.of());

      assertEquals(429, second.statusCode(), second.body());
      assertEquals("1", second.headers().firstValue("Retry-After").orElseThrow());
      assertEquals(202, first.get().statusCode(), "the task that held the slot still got through");
    }
  }

  private static HttpResponse<String> call(GatewayHarness g) {
    try {
      return g.post("/v1/tasks", GatewayHarness.ACME_KEY, "{\"action\":\"summarize\"}", Map.of());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void whileKafkaIsDownTheGatewayAnswers503(@TempDir Path dir) throws Exception {
    EmbeddedKafkaBroker own = EmbeddedKafkaBroker.start(dir, 0);
    KafkaConnection ownKafka = KafkaConnection.of(own.bootstrapServers());
    TopicsApplier.apply(ownKafka, catalog);
    try (GatewayHarness g = new GatewayHarness(ownKafka, catalog, GatewayConfig.defaults("127.0.0.1", 0),
        Map.of(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 1000, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 2500,
            ProducerConfig.MAX_BLOCK_MS_CONFIG, 1000))) {
      assertEquals(202, call(g).statusCode());
      own.close();

      HttpResponse<String> down = call(g);

      assertEquals(503, down.statusCode(), down.body());
      assertTrue(down.headers().firstValue("Retry-After").isPresent());
    } finally {
      own.close();
    }
  }
}
