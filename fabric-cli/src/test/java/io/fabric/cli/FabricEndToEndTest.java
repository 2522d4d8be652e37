package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.policy.approvals.ApprovalDecision;
import io.fabric.policy.approvals.ApprovalSubject;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.TokenCodec;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.sandbox.VendorSandbox;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole fabric on the real embedded broker, driven through the {@code fabric} command as a user
 * in a second terminal would: submit, status, flows show, approvals list, approve.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class FabricEndToEndTest {
  @TempDir
  static Path dir;

  private static InProcessFabricSetup setup;
  private static String prefix;
  private static VendorSandbox sandbox;
  private static FabricRuntime runtime;
  private static GatewayOptions.Running http;
  private static String apiKey;

  @BeforeAll
  static void startFabric() throws IOException {
    setup = new InProcessFabricSetup(dir, "e2e");
    prefix = setup.prefix;
    sandbox = VendorSandbox.start();
    sandbox.applyToSystemProperties();
    setup.approverPolicyAndTopics("tenants:\n  strict-co: { B: [summarize] }\napprovals:\n  actions:\n"
        + "    publish_content: { deadline: PT8S }\n    create_charge: { deadline: PT15S }\n");
    ConnectionOptions kafka = setup.kafka();
    AppOptions apps = setup.apps();
    // one vendor account (the sandbox's Stripe) shared by acme and globex, as `fabric run --config` sets it
    apps.config.put(io.fabric.plugins.runtime.PluginRuntimeConfig.VENDOR_KEYS, "tenant");
    GatewayOptions gateway = setup.gatewayWithKey("acme-app", "acme,strict-co");
    apiKey = setup.apiKey("acme-app");
    java.util.concurrent.atomic.AtomicReference<FabricRuntime> started = new java.util.concurrent.atomic.AtomicReference<>();
    http = gateway.start(kafka.connection(kafka.bootstrapServer), kafka.catalog(), apps, started::get);
    runtime = FabricRuntime.start(apps.settings(kafka, kafka.bootstrapServer, dir.resolve("state")), http.http().advertised());
    started.set(runtime);
  }

  @AfterAll
  static void stopFabric() {
    if (http != null) {
      http.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  /** A charge with a signed approval attached, as an upstream system that got approval first would send it. */
  private static String preApprovedCharge(String flowId, int amount) throws IOException {
    return preApprovedCharge("acme", flowId, amount, null);
  }

  private static String preApprovedCharge(String tenant, String flowId, int amount, String idempotencyKey) throws IOException {
    String requestId = UUID.randomUUID().toString();
    String payload = "{\"amount\":" + amount + ",\"currency\":\"eur\",\"customer\":\"cus_e2e\"}";
    TokenSigner alice = new TokenSigner("alice", ApproverKeys.readPrivateKey(dir.resolve("keys/alice.key")));
    String token = TokenCodec.encode(alice.sign(ApprovalSubject.of(requestId, tenant, flowId, "create_charge", payload),
        ApprovalDecision.APPROVE, "pre-approved"));
    try (FabricClient client = new FabricClient(KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers()),
        TopicCatalog.create(prefix, 3, List.of()))) {
      Submission submission = Submission.of(tenant, "create_charge").requestId(requestId).flowId(flowId).payload(payload).approvalToken(token);
      return client.submit(idempotencyKey == null ? submission : submission.idempotencyKey(idempotencyKey)).getRequestId();
    }
  }

  /**
   * The gate deduplicates by (tenant, key), so two tenants may choose the same key (an order number); with
   * one vendor account for both (and {@code vendor.keys=tenant}, set above), each is its own operation to
   * the vendor. With the bare key (the default) the second tenant's charge is refused as an idempotency error.
   */
  @Test
  void twoTenantsWithTheSameIdempotencyKeyAreChargedOnceEachAtTheSharedVendorAccount() throws Exception {
    int chargesBefore = sandbox.effects(VendorSandbox.CHARGE);
    String key = "order-" + UUID.randomUUID();
    String acme = preApprovedCharge("acme", "shared-key-a-" + UUID.randomUUID(), 300, key);
    assertTrue(cli("status", acme, "--wait", "PT60S").out().contains("EXECUTED"));
    String globex = preApprovedCharge("globex", "shared-key-g-" + UUID.randomUUID(), 300, key);
    // with the bare key the vendor saw the same key with other parameters (the metadata names the tenant): globex's
    // charge was refused as an idempotency error and dead-lettered, so acme could stop globex's charges by their keys
    CliRun status = cli("status", globex, "--wait", "PT60S");
    assertTrue(status.out().contains("EXECUTED"), status.toString());

    assertEquals(chargesBefore + 2, sandbox.effects(VendorSandbox.CHARGE), "each tenant's charge was made, at the same vendor account");
  }

  @Test
  void aFailedChargeIsReplayedThroughTheGateAfterTheCauseIsFixedAndChargesOnce() throws Exception {
    String flow = "replay-" + UUID.randomUUID();
    int chargesBefore = sandbox.effects(VendorSandbox.CHARGE);
    sandbox.failNext("POST", "/v1/payment_intents", 400, 1);
    String id = preApprovedCharge(flow, 900);
    assertTrue(cli("status", id, "--wait", "PT60S").out().contains("DEAD_LETTER (EXECUTION_FAILED)"));
    CliRun list = cli("dlq", "list", "--flow", flow);
    assertTrue(list.out().contains(flow) && list.out().contains("EXECUTION_FAILED"), list.toString());

    CliRun replay = cli("dlq", "replay", "--flow", flow, "--execute");
    assertEquals(0, replay.exitCode(), replay.toString());
    await().atMost(Duration.ofSeconds(60)).until(() -> cli("status", id).out().contains("PENDING_APPROVAL"));
    assertEquals(0, cli("approve", id, "--key", dir.resolve("keys/alice.key").toString()).exitCode(), "approvals are checked again");

    assertTrue(cli("status", id, "--wait", "PT60S").out().contains("EXECUTED"));
    assertEquals(chargesBefore + 1, sandbox.effects(VendorSandbox.CHARGE));
    CliRun again = cli("dlq", "replay", "--flow", flow, "--execute");
    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.out().contains("Replayed 0, skipped 1 already replayed"), again.toString());
  }

  @Test
  void aTaskThatFailsForGoodIsReplayedThroughTheGateUntilTheLoopGuardRefusesItWithItsRealGeneration() throws Exception {
    // Given a class-A request that fails for good in its plugin (a one-number series cannot be predicted)
    String flow = "loop-" + UUID.randomUUID();
    String id = submit("submit", "--tenant", "acme", "--action", "predictive_analysis", "--flow", flow, "--payload",
        "{\"series\":[1]}", "--final");
    assertTrue(cli("status", id, "--wait", "PT60S").out().contains("DEAD_LETTER (EXECUTION_FAILED)"));

    // When it is replayed again and again, each time through fabric.tasks.replays, the gate, the router and the plugin
    int maxReplays = 2;
    for (int generation = 1; generation <= maxReplays; generation++) {
      CliRun replay = cli("dlq", "replay", "--flow", flow, "--max-replays", "" + maxReplays, "--execute");
      assertEquals(0, replay.exitCode(), replay.toString());
      assertTrue(replay.out().contains("Replayed 1,"), replay.toString());
      int letters = generation + 1;
      await().atMost(Duration.ofSeconds(60)).until(() -> deadLetterCount(flow) == letters);
    }

    // Then the next replay is refused by the loop guard, counting the generations that really ran
    CliRun refused = cli("dlq", "replay", "--flow", flow, "--max-replays", "" + maxReplays, "--execute");
    assertEquals(3, refused.exitCode(), refused.toString());
    assertTrue(refused.out().contains("loop guard: replayed " + maxReplays + " times already (--max-replays " + maxReplays + ")"),
        refused.toString());
    assertTrue(refused.out().contains("Replayed 0,") && refused.out().contains("refused 1"), refused.toString());
    assertEquals(maxReplays + 1, deadLetterCount(flow), "the request ran once plus once per replay, never more");
  }

  private static int deadLetterCount(String flow) {
    CliRun list = cli("dlq", "list", "--flow", flow, "-o", "json");
    assertEquals(0, list.exitCode(), list.toString());
    return list.out().split("\"reason\"", -1).length - 1;
  }

  @Test
  void aReplayedRequestWhoseNewApprovalNeverComesExpiresInsteadOfRunning() throws Exception {
    String flow = "expire-" + UUID.randomUUID();
    int chargesBefore = sandbox.effects(VendorSandbox.CHARGE);
    sandbox.failNext("POST", "/v1/payment_intents", 400, 1);
    String id = preApprovedCharge(flow, 700);
    assertTrue(cli("status", id, "--wait", "PT60S").out().contains("DEAD_LETTER"));

    assertEquals(0, cli("dlq", "replay", "--flow", flow, "--execute").exitCode());
    await().atMost(Duration.ofSeconds(60)).until(() -> cli("status", id).out().contains("PENDING_APPROVAL"));

    CliRun status = cli("status", id, "--wait", "PT90S");
    assertTrue(status.out().contains("BLOCKED (APPROVAL_EXPIRED)"), status.toString());
    assertEquals(chargesBefore, sandbox.effects(VendorSandbox.CHARGE), "nothing was charged");
  }

  @Test
  void aFlowIsRolledBackByHandAndItsChargeRefunded() throws Exception {
    String flow = "rollback-" + UUID.randomUUID();
    int refundsBefore = sandbox.effects(VendorSandbox.REFUND);
    String id = preApprovedCharge(flow, 500);
    assertTrue(cli("status", id, "--wait", "PT60S").out().contains("EXECUTED"));

    CliRun dryRun = cli("flows", "rollback", flow);
    assertEquals(0, dryRun.exitCode(), dryRun.toString());
    assertTrue(dryRun.out().contains("would undo create_charge"), dryRun.toString());
    assertEquals(refundsBefore, sandbox.effects(VendorSandbox.REFUND), "a dry run changes nothing");

    assertEquals(0, cli("flows", "rollback", flow, "--execute", "--reason", "customer cancelled").exitCode());
    await().atMost(Duration.ofSeconds(60)).until(() -> cli("flows", "show", flow).out().contains("ROLLED_BACK"));
    assertEquals(refundsBefore + 1, sandbox.effects(VendorSandbox.REFUND));
  }

  @Test
  void anAttackerWithARawProducerChangesNothingAndReconcileStaysClean() throws Exception {
    String flow = "attacked-" + UUID.randomUUID();
    int refundsBefore = sandbox.effects(VendorSandbox.REFUND);
    int chargesBefore = sandbox.effects(VendorSandbox.CHARGE);
    String charge = preApprovedCharge(flow, 400);
    assertTrue(cli("status", charge, "--wait", "PT60S").out().contains("EXECUTED"));

    TopicCatalog catalog = TopicCatalog.create(prefix, 3, List.of());
    TaskRequest forgedRollback = TaskRequest.newBuilder(Submission.of("acme", "summarize").flowId(flow).toRequest(System.currentTimeMillis()))
        .setAttributes(Map.of(ReservedNames.LEGACY_ROLLBACK_ATTRIBUTE, "true")).build();
    TaskRequest reusedId = TaskRequest.newBuilder(Submission.of("acme", "create_charge").idempotencyKey("attacker-1")
        .payload("{\"amount\":99999,\"currency\":\"eur\",\"customer\":\"cus_attacker\"}").toRequest(System.currentTimeMillis()))
        .setRequestId(charge).build();
    try (KafkaProducer<String, TaskRequest> raw = new KafkaProducer<>(KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers()).clientConfig(),
        new StringSerializer(), catalog.ingress.valueSerde().serializer())) {
      for (TaskRequest request : List.of(forgedRollback, reusedId)) {
        raw.send(new ProducerRecord<>(catalog.ingress.name(), IngressKey.of(request), request)).get();
      }
    }

    assertTrue(cli("status", forgedRollback.getRequestId(), "--wait", "PT60S").out().contains("BLOCKED (INVALID_REQUEST)"));
    await().atMost(Duration.ofSeconds(60)).until(() -> LatestByKeyReader.everything(KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers()),
        catalog.audit).stream().anyMatch(e -> e.getType().equals("SECURITY_EVENT") && charge.equals(e.getRequestId())));
    assertTrue(cli("status", charge).out().contains("EXECUTED"), "the charge keeps its status");
    assertEquals(refundsBefore, sandbox.effects(VendorSandbox.REFUND), "nothing was refunded");
    assertEquals(chargesBefore + 1, sandbox.effects(VendorSandbox.CHARGE), "the reused id charged nothing");
    CliRun reconcile = cli("reconcile");
    assertEquals(0, reconcile.exitCode(), reconcile.toString());
  }

  static CliRun cli(String... args) {
    return setup.cli(args);
  }

  private static String submit(String... args) {
    CliRun run = cli(args);
    assertEquals(0, run.exitCode(), run.toString());
    return run.out().strip();
  }

  @Test
  void aClassARequestIsExecutedCheckpointedAndVisibleOverHttp() throws Exception {
    String id = submit("submit", "--tenant", "acme", "--action", "summarize", "--payload",
        "{\"text\":\"The fabric gates actions. It checkpoints every step. Nothing runs twice.\"}", "--final");

    CliRun status = cli("status", id, "--wait", "PT60S", "-o", "json");
    assertEquals(0, status.exitCode(), status.toString());
    assertTrue(status.out().contains("\"outcome\" : \"EXECUTED\""), status.toString());
    assertTrue(status.out().contains("\"class\" : \"A\""), status.toString());

    CliRun flow = cli("flows", "show", id, "--history", "-o", "json");
    assertEquals(0, flow.exitCode(), flow.toString());
    assertTrue(flow.out().contains("\"action\" : \"summarize\""), flow.toString());

    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://" + http.http().advertised() + "/v1/requests/" + id)).header("Authorization", "Bearer " + apiKey).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.body().contains("EXECUTED"), response.body());
    HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://" + http.http().advertised() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode(), health.body());
  }

  private static HttpResponse<String> gateway(String method, String path, String body, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + http.http().advertised() + path))
        .header("Authorization", "Bearer " + apiKey)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String field(HttpResponse<String> response, String name) throws IOException {
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body()).path(name).asText();
  }

  @Test
  void aTaskSubmittedOverHttpRunsOnceAndItsResubmissionIsADuplicate() throws Exception {
    String key = "http-" + UUID.randomUUID();
    String task = "{\"tenant_id\":\"acme\",\"action\":\"summarize\",\"payload\":{\"text\":\"Over HTTP.\"},\"final_step\":true}";
    HttpResponse<String> accepted = gateway("POST", "/v1/tasks", task, "Idempotency-Key", key, "Content-Type", "application/json");
    assertEquals(202, accepted.statusCode(), accepted.body());
    String id = field(accepted, "request_id");

    HttpResponse<String> done = gateway("GET", "/v1/requests/" + id + "/wait?timeout=PT60S", null);
    assertEquals(200, done.statusCode(), done.body());
    assertEquals("EXECUTED", field(done, "outcome"), done.body());
    HttpResponse<String> flow = gateway("GET", "/v1/flows/" + id, null);
    assertEquals(200, flow.statusCode(), flow.body());
    assertEquals("acme", field(flow, "tenant_id"), flow.body());

    String again = field(gateway("POST", "/v1/tasks", task, "Idempotency-Key", key), "request_id");
    HttpResponse<String> duplicate = gateway("GET", "/v1/requests/" + again + "/wait?timeout=PT60S", null);
    assertEquals("DUPLICATE", field(duplicate, "outcome"), duplicate.body());
    assertEquals(id, field(duplicate, "duplicate_of"));
  }

  @Test
  void aPendingRequestIsApprovedOverHttpWithATokenTheApproverSigned() throws Exception {
    String id = field(gateway("POST", "/v1/tasks", "{\"tenant_id\":\"strict-co\",\"action\":\"summarize\",\"payload\":{\"text\":\"Approve me over HTTP.\"}}"),
        "request_id");
    await().atMost(Duration.ofSeconds(60)).until(() -> field(gateway("GET", "/v1/requests/" + id, null), "outcome").equals("PENDING_APPROVAL"));
    // the listing reads the pending topic and the status topic apart from the status store: it may trail it briefly
    HttpResponse<String> pending = await().atMost(Duration.ofSeconds(30)).until(() -> gateway("GET", "/v1/approvals", null),
        r -> r.body().contains(id));
    assertTrue(pending.body().contains("Approve me over HTTP."), pending.body());

    assertEquals(400, gateway("POST", "/v1/approvals/" + id, "not-a-token").statusCode());
    CliRun signed = cli("approve", id, "--key", dir.resolve("keys/alice.key").toString(), "--token-only");
    assertEquals(0, signed.exitCode(), signed.toString());
    HttpResponse<String> published = gateway("POST", "/v1/approvals/" + id, signed.out().strip());
    assertEquals(202, published.statusCode(), published.body());

    HttpResponse<String> done = gateway("GET", "/v1/requests/" + id + "/wait?timeout=PT60S", null);
    assertEquals("EXECUTED", field(done, "outcome"), done.body());
  }

  @Test
  void aPendingRequestIsReleasedByFabricApproveAndReachesItsPlugin() {
    String id = submit("submit", "--tenant", "strict-co", "--action", "summarize", "--payload", "{\"text\":\"Approve me.\"}");
    await().atMost(Duration.ofSeconds(60)).until(() -> cli("status", id).out().contains("PENDING_APPROVAL"));
    CliRun list = cli("approvals", "list", "--tenant", "strict-co");
    assertTrue(list.out().contains(id) && list.out().contains("0/1"), list.toString());

    CliRun approve = cli("approve", id, "--key", dir.resolve("keys/alice.key").toString(), "--reason", "looks fine");
    assertEquals(0, approve.exitCode(), approve.toString());
    assertTrue(approve.out().contains("APPROVE: summarize " + id), approve.toString());

    CliRun status = cli("status", id, "--wait", "PT60S");
    assertTrue(status.out().contains("EXECUTED"), status.toString());
    CliRun again = cli("approve", id, "--key", dir.resolve("keys/alice.key").toString());
    assertEquals(1, again.exitCode(), "a released request cannot be approved again: " + again);
    assertTrue(again.err().contains("is not waiting for approval"), again.toString());
  }

  @Test
  void aPendingRequestExpiresAfterAnSlaWarning() {
    String id = submit("submit", "--tenant", "acme", "--action", "publish_content", "--payload", "{}");

    CliRun status = cli("status", id, "--wait", "PT60S");
    assertTrue(status.out().contains("BLOCKED (APPROVAL_EXPIRED)"), status.toString());
    // A new request starts its own flow, so its audit events are keyed by its id.
    List<AuditEvent> audit = LatestByKeyReader.all(KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers()),
        TopicCatalog.create(prefix, 3, List.of()).audit, id, e -> id.equals(e.getRequestId()));
    assertTrue(audit.stream().anyMatch(e -> e.getType().equals("SLA_WARNING")), audit.toString());
  }

  @Test
  void unknownRequestsAndFlowsFailWithOneLine() {
    CliRun status = cli("status", "no-such-request");
    assertEquals(1, status.exitCode(), status.toString());
    assertTrue(status.err().startsWith("error: no status for request no-such-request"), status.toString());
    CliRun flow = cli("flows", "show", "no-such-flow");
    assertEquals(1, flow.exitCode(), flow.toString());
  }

  @Test
  void topicsDescribeMatchesTheCatalogAfterApply() {
    CliRun describe = cli("topics", "describe");
    assertEquals(0, describe.exitCode(), describe.toString());
    assertTrue(describe.out().contains(prefix + "flows.state") && describe.out().contains(" ok "), describe.toString());
  }
}
