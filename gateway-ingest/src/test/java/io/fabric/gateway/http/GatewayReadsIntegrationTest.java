package io.fabric.gateway.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.RequestStatus;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Status reads over real HTTP from the partitioned status store: tenant scoping, the long poll, and
 * two gateway instances, each answering for the ids the other holds by forwarding to it.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class GatewayReadsIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WAIT = Duration.ofSeconds(60);
  @TempDir
  static Path stateDir;
  private static TopicCatalog catalog;
  private static KafkaConnection kafka;
  private static GatewayHarness first;
  private static GatewayHarness second;
  private static StatusStore firstStore;
  private static KafkaProducer<String, RequestStatus> statuses;

  @BeforeAll
  static void start() {
    catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("gwr") + ".", 4, List.of());
    kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
    statuses = new KafkaProducer<>(kafka.clientConfig(), catalog.requestStatus.keySerde().serializer(),
        catalog.requestStatus.valueSerde().serializer());
    first = new GatewayHarness(kafka, catalog, GatewayConfig.defaults("127.0.0.1", 0).withPeers(GatewayHarness.PEERS), Map.of());
    second = new GatewayHarness(kafka, catalog, GatewayConfig.defaults("127.0.0.1", 0).withPeers(GatewayHarness.PEERS), Map.of());
    firstStore = first.startStatusStore(kafka, catalog, stateDir.resolve("first"));
    second.startStatusStore(kafka, catalog, stateDir.resolve("second"));
  }

  @AfterAll
  static void stop() {
    statuses.close();
    second.close();
    first.close();
  }

  private static void publish(String id, String tenant, String outcome) throws Exception {
    RequestStatus status = RequestStatus.newBuilder().setRequestId(id).setTenantId(tenant).setFlowId(id).setAction("summarize")
        .setOutcome(outcome).setUpdatedAt(System.currentTimeMillis()).build();
    statuses.send(new ProducerRecord<>(catalog.requestStatus.name(), id, status)).get();
  }

  private static JsonNode body(HttpResponse<String> response) throws Exception {
    return JSON.readTree(response.body());
  }

  @Test
  void eachInstanceAnswersForEveryIdItsOwnAndTheOnesTheOtherHolds() throws Exception {
    List<String> ids = IntStream.range(0, 12).mapToObj(i -> "spread-" + i).toList();
    for (String id : ids) {
      publish(id, "acme", "EXECUTED");
    }
    // Both instances share the partitions; some ids live in the other one's store.
    await().atMost(WAIT).until(() -> ids.stream().anyMatch(id -> firstStore.locate(id) instanceof StatusReads.Location.Elsewhere)
        && ids.stream().anyMatch(id -> firstStore.locate(id) instanceof StatusReads.Location.Here));

    for (GatewayHarness instance : List.of(first, second)) {
      for (String id : ids) {
        HttpResponse<String> response = await().atMost(WAIT).until(() -> instance.get("/v1/requests/" + id, GatewayHarness.ACME_KEY),
            r -> r.statusCode() == 200);
        assertEquals(id, body(response).get("request_id").asText());
      }
    }
  }

  @Test
  void anotherTenantsRequestLooksUnknownAndReadsNeedAKey() throws Exception {
    publish("globex-1", "globex", "EXECUTED");
    await().atMost(WAIT).until(() -> first.get("/v1/requests/globex-1", GatewayHarness.MULTI_KEY).statusCode() == 200);

    HttpResponse<String> foreign = first.get("/v1/requests/globex-1", GatewayHarness.ACME_KEY);
    HttpResponse<String> unknown = first.get("/v1/requests/nope", GatewayHarness.ACME_KEY);

    assertEquals(404, foreign.statusCode());
    assertEquals(unknown.body().replace("nope", "globex-1"), foreign.body(), "indistinguishable from an unknown id");
    assertEquals(401, first.get("/v1/requests/globex-1", null).statusCode());
  }

  @Test
  void theLongPollReturnsWhenTheRequestEndsOnEitherInstance() throws Exception {
    for (GatewayHarness instance : List.of(first, second)) {
      String id = "wait-" + instance.gateway.port();
      publish(id, "acme", "ROUTED");
      await().atMost(WAIT).until(() -> instance.get("/v1/requests/" + id, GatewayHarness.ACME_KEY).statusCode() == 200);
      CompletableFuture<HttpResponse<String>> waiting = CompletableFuture.supplyAsync(() -> {
        try {
          return instance.get("/v1/requests/" + id + "/wait?timeout=PT30S", GatewayHarness.ACME_KEY);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      assertTrue(await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> !waiting.isDone(), b -> b),
          "still waiting while the request is only routed");

      publish(id, "acme", "EXECUTED");

      HttpResponse<String> done = waiting.get();
      assertEquals(200, done.statusCode(), done.body());
      assertEquals("EXECUTED", body(done).get("outcome").asText());
      assertTrue(body(done).get("terminal").asBoolean());
    }
  }

  @Test
  void aLongPollThatTimesOutReturnsTheLatestStatus() throws Exception {
    publish("slow-1", "acme", "PENDING_APPROVAL");
    await().atMost(WAIT).until(() -> first.get("/v1/requests/slow-1", GatewayHarness.ACME_KEY).statusCode() == 200);

    HttpResponse<String> response = first.get("/v1/requests/slow-1/wait?timeout=PT0.3S", GatewayHarness.ACME_KEY);

    assertEquals(200, response.statusCode(), response.body());
    assertEquals("PENDING_APPROVAL", body(response).get("outcome").asText());
    assertEquals(false, body(response).get("terminal").asBoolean());
    assertEquals(400, first.get("/v1/requests/slow-1/wait?timeout=soon", GatewayHarness.ACME_KEY).statusCode());
  }

  /**
   * The pipeline writes statuses in transactions; one that aborts never happened, so the gateway must
   * not have shown it (an approver would act on a status the CLI, reading committed, cannot find).
   */
  @Test
  void aStatusFromAnAbortedTransactionIsNeverServed() throws Exception {
    String aborted = "aborted-1";
    int partition = io.fabric.schemas.records.LatestByKeyReader.partitionFor(aborted, catalog.requestStatus.partitions());
    String marker = IntStream.range(0, 1000).mapToObj(i -> "after-abort-" + i)
        .filter(k -> io.fabric.schemas.records.LatestByKeyReader.partitionFor(k, catalog.requestStatus.partitions()) == partition)
        .findFirst().orElseThrow();
    Map<String, Object> config = kafka.clientConfig();
    config.put(org.apache.kafka.clients.producer.ProducerConfig.TRANSACTIONAL_ID_CONFIG, "gwr-abort-" + System.nanoTime());
    try (KafkaProducer<String, RequestStatus> transactional = new KafkaProducer<>(config, catalog.requestStatus.keySerde().serializer(),
        catalog.requestStatus.valueSerde().serializer())) {
      transactional.initTransactions();
      transactional.beginTransaction();
      transactional.send(new ProducerRecord<>(catalog.requestStatus.name(), aborted, RequestStatus.newBuilder().setRequestId(aborted)
          .setTenantId("acme").setFlowId(aborted).setAction("summarize").setOutcome("EXECUTED").setUpdatedAt(System.currentTimeMillis())
          .build())).get();
      transactional.abortTransaction();
    }
    // a committed status after the aborted one on the same partition: once it is served, the aborted one was read past
    publish(marker, "acme", "EXECUTED");
    await().atMost(WAIT).until(() -> first.get("/v1/requests/" + marker, GatewayHarness.ACME_KEY).statusCode() == 200);

    assertEquals(404, first.get("/v1/requests/" + aborted, GatewayHarness.ACME_KEY).statusCode());
    assertEquals(404, second.get("/v1/requests/" + aborted, GatewayHarness.ACME_KEY).statusCode());
  }

  @Test
  void healthReadyAndTheOpenApiDocumentAreServed() throws Exception {
    assertEquals(200, first.get("/health", null).statusCode());
    assertEquals(200, first.get("/ready", null).statusCode());
    assertEquals("3.1.0", body(first.get("/openapi.json", null)).get("openapi").asText());
  }
}
