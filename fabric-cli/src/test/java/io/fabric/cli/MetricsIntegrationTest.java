package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.observability.ProcessMetrics;
import io.fabric.policy.approvals.ApprovalDecision;
import io.fabric.policy.approvals.ApprovalSubject;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.TokenCodec;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.sandbox.VendorSandbox;
import io.fabric.schemas.config.KafkaConnection;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code fabric run}'s apps and gateway on the real embedded broker, as {@code fabric run} wires them
 * (one {@link ProcessMetrics}), driven with demo-like traffic; {@code /metrics} is scraped over HTTP
 * and each of the fabric's metrics checked for plausible values, and the Grafana dashboard for names
 * the running apps do not export. {@code /ready} answers 503 until the apps are caught up.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class MetricsIntegrationTest {
  private static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "execution-fabric.json");

  @TempDir
  static Path dir;

  private static InProcessFabricSetup setup;
  private static String prefix;
  private static VendorSandbox sandbox;
  private static ProcessMetrics metrics;
  private static FabricRuntime runtime;
  private static GatewayOptions.Running http;
  private static String apiKey;
  private static int readyBeforeAppsStarted;
  private static String readyBodyBeforeAppsStarted;

  @BeforeAll
  static void startFabricAndSendTraffic() throws Exception {
    setup = new InProcessFabricSetup(dir, "metrics");
    prefix = setup.prefix;
    sandbox = VendorSandbox.start();
    sandbox.applyToSystemProperties();
    setup.approverPolicyAndTopics("tenants:\n  strict-co: { B: [summarize] }\napprovals:\n  actions:\n"
        + "    publish_content: { deadline: PT6S }\n    create_charge: { deadline: PT30M }\n");
    ConnectionOptions kafka = setup.kafka();
    AppOptions apps = setup.apps();
    GatewayOptions gateway = setup.gatewayWithKey("acme-app", "acme,strict-co");
    apiKey = setup.apiKey("acme-app");

    // as fabric run does: the gateway (and its probes) first, then the apps
    metrics = new ProcessMetrics();
    AtomicReference<FabricRuntime> started = new AtomicReference<>();
    http = gateway.start(kafka.connection(kafka.bootstrapServer), kafka.catalog(), apps, started::get, io.fabric.schemas.tracing.FabricTracing.noop(), metrics);
    HttpResponse<String> notYet = get("/ready");
    readyBeforeAppsStarted = notYet.statusCode();
    readyBodyBeforeAppsStarted = notYet.body();
    runtime = FabricRuntime.start(apps.settings(kafka, kafka.bootstrapServer, dir.resolve("state")), http.http().advertised(),
        io.fabric.schemas.tracing.FabricTracing.noop(), metrics.fabric());
    started.set(runtime);
    await().atMost(Duration.ofSeconds(60)).until(() -> get("/ready").statusCode() == 200);

    sendTraffic();
  }

  /** Class A executed (over HTTP), class B approved, class B left pending, class C blocked, an expiry, a dead letter and its replay. */
  private static void sendTraffic() throws Exception {
    HttpResponse<String> accepted = post("/v1/tasks", "{\"tenant_id\":\"acme\",\"action\":\"summarize\",\"payload\":{\"text\":\"Over HTTP.\"},"
        + "\"final_step\":true}");
    assertEquals(202, accepted.statusCode(), accepted.body());
    String overHttp = new ObjectMapper().readTree(accepted.body()).path("request_id").asText();
    String classA = submit("submit", "--tenant", "acme", "--action", "summarize", "--payload", "{\"text\":\"Class A.\"}", "--final");
    String approved = submit("submit", "--tenant", "strict-co", "--action", "summarize", "--payload", "{\"text\":\"Approve me.\"}");
    String leftPending = submit("submit", "--tenant", "strict-co", "--action", "summarize", "--payload", "{\"text\":\"Wait.\"}");
    String classC = submit("submit", "--tenant", "acme", "--action", "exfiltrate_secrets", "--payload", "{}");
    String expiring = submit("submit", "--tenant", "acme", "--action", "publish_content", "--payload", "{}");

    assertStatus(classA, "EXECUTED");
    assertStatus(overHttp, "EXECUTED");
    assertStatus(classC, "BLOCKED (FORBIDDEN)");
    await().atMost(Duration.ofSeconds(60)).until(() -> cli("status", approved).out().contains("PENDING_APPROVAL"));
    assertEquals(0, cli("approve", approved, "--key", dir.resolve("keys/alice.key").toString()).exitCode());
    assertStatus(approved, "EXECUTED");
    assertStatus(expiring, "BLOCKED (APPROVAL_EXPIRED)");
    assertTrue(cli("status", leftPending).out().contains("PENDING_APPROVAL"));

    String flow = "metrics-dlq-" + UUID.randomUUID();
    sandbox.failNext("POST", "/v1/payment_intents", 400, 1);
    String charge = preApprovedCharge(flow, 700);
    assertStatus(charge, "DEAD_LETTER (EXECUTION_FAILED)");
    CliRun replay = cli("dlq", "replay", "--flow", flow, "--execute");
    assertEquals(0, replay.exitCode(), replay.toString());
    // a replay is checked again: it waits for approval, next to the one left pending
    await().atMost(Duration.ofSeconds(60)).until(() -> cli("status", charge).out().contains("PENDING_APPROVAL"));
    assertEquals(404, get("/no-such-route").statusCode());
  }

  @AfterAll
  static void stopFabric() {
    if (http != null) {
      http.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (metrics != null) {
      metrics.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void readyWasRefusedUntilTheAppsRanAndNamesEachApp() throws Exception {
    assertEquals(503, readyBeforeAppsStarted, readyBodyBeforeAppsStarted);
    HttpResponse<String> ready = get("/ready");
    assertEquals(200, ready.statusCode(), ready.body());
    JsonNode apps = new ObjectMapper().readTree(ready.body()).path("apps");
    for (String app : List.of("policy-stream", "router-stream", "gateway-status")) {
      assertTrue(apps.path(app).asBoolean(), app + " in " + ready.body());
    }
    List<String> runtimes = new ArrayList<>();
    apps.fieldNames().forEachRemaining(name -> {
      if (name.startsWith("plugin-runtime:")) {
        runtimes.add(name);
        assertTrue(apps.path(name).asBoolean(), name + " in " + ready.body());
      }
    });
    assertTrue(!runtimes.isEmpty(), ready.body());
    assertEquals(200, get("/health").statusCode());
    assertTrue(counter(scrape(), "fabric_gateway_requests_total", Map.of("route", "/ready", "status", "503")) >= 1,
        "the refused probe is counted");
  }

  @Test
  void everyFabricMetricShowsTheTraffic() throws Exception {
    // the gauges follow the gate's punctuator and the lag monitor's refresh: wait for them, then check the rest
    List<Sample> samples = await().atMost(Duration.ofSeconds(30)).until(MetricsIntegrationTest::scrape,
        s -> value(s, "fabric_approvals_pending", Map.of()) == 2 && has(s, "fabric_consumer_group_lag",
            Map.of("group", prefix + "policy-stream")));
    String text = scrapeText();

    assertTrue(counter(samples, "fabric_decisions_total", Map.of("class", "A", "outcome", "ROUTED")) >= 2, text);
    assertTrue(counter(samples, "fabric_decisions_total", Map.of("class", "B", "outcome", "PENDING_APPROVAL")) >= 3, text);
    assertTrue(counter(samples, "fabric_decisions_total", Map.of("class", "B", "outcome", "ROUTED")) >= 1, "the approved one");
    assertTrue(counter(samples, "fabric_decisions_total", Map.of("class", "C", "outcome", "BLOCKED", "reason", "FORBIDDEN")) >= 1);
    assertTrue(counter(samples, "fabric_decisions_total", Map.of("outcome", "BLOCKED", "reason", "APPROVAL_EXPIRED")) >= 1);

    assertEquals(2, value(samples, "fabric_approvals_pending", Map.of()), "the one left pending and the replayed charge");
    assertTrue(value(samples, "fabric_approvals_oldest_age_seconds", Map.of()) > 0);
    assertTrue(counter(samples, "fabric_approvals_sla_events_total", Map.of("event", "warning")) >= 1);
    assertTrue(counter(samples, "fabric_approvals_sla_events_total", Map.of("event", "expired")) >= 1);

    assertTrue(counter(samples, "fabric_dead_letters_total", Map.of("reason", "EXECUTION_FAILED")) >= 1, text);
    assertTrue(counter(samples, "fabric_replays_total", Map.of()) >= 1);

    double executed = 3;
    assertTrue(counter(samples, "fabric_plugin_attempts_total", Map.of()) >= executed + 1, "3 executed and the failed charge");
    assertTrue(counter(samples, "fabric_plugin_calls_seconds_count", Map.of("result", "success")) >= executed);
    assertTrue(has(samples, "fabric_plugin_calls_seconds_bucket", Map.of("le", "+Inf")), "a histogram, for p50/p99");
    assertTrue(counter(samples, "fabric_plugin_failures_total", Map.of("retryable", "false")) >= 1, "the charge's 400");
    assertEquals(0, counter(samples, "fabric_plugin_in_doubt_total", Map.of()), "nothing crashed mid-call");
    assertTrue(has(samples, "fabric_plugin_in_doubt_total", Map.of("settlement", "dead_lettered")), "at 0, not missing");
    assertTrue(counter(samples, "fabric_checkpoints_total", Map.of()) >= executed + 1, "executed steps and the failed flow");

    for (String group : List.of("policy-stream", "router-stream")) {
      List<Sample> lag = select(samples, "fabric_consumer_group_lag", Map.of("group", prefix + group));
      assertTrue(!lag.isEmpty() && lag.stream().allMatch(s -> s.value() >= 0), group + ": " + lag);
    }

    assertTrue(counter(samples, "fabric_gateway_requests_total", Map.of("route", "/v1/tasks", "method", "POST", "status", "202")) >= 1, text);
    assertTrue(counter(samples, "fabric_gateway_requests_total", Map.of("route", "unmatched", "status", "404")) >= 1, text);
    assertTrue(select(samples, "fabric_gateway_requests_total", Map.of()).stream().noneMatch(s -> s.labels().get("route").contains("no-such")),
        "a path is never a label");

    // the binders: JVM, Kafka clients (gateway, plugin runtimes) and Streams
    assertTrue(has(samples, "jvm_memory_used_bytes", Map.of("area", "heap")));
    assertTrue(has(samples, "kafka_producer_record_send_total", Map.of("client_id", "fabric-gateway")), "the gateway's producer");
    assertTrue(samples.stream().anyMatch(s -> s.name().startsWith("kafka_stream_")), "Kafka Streams' metrics");
  }

  @Test
  void theDashboardReadsOnlyMetricsTheAppsExport() throws Exception {
    Set<String> exported = new TreeSet<>();
    scrape().forEach(s -> exported.add(s.name()));
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> expressions = new ArrayList<>();
    dashboard.path("panels").forEach(panel -> panel.path("targets").forEach(t -> expressions.add(t.path("expr").asText())));
    assertTrue(expressions.size() >= 10, "every panel has its query: " + expressions);

    Map<String, Set<String>> missing = new HashMap<>();
    for (String expr : expressions) {
      Set<String> names = PromQl.metricNames(expr);
      assertTrue(!names.isEmpty(), "no metric in " + expr);
      names.stream().filter(n -> !exported.contains(n)).forEach(n -> missing.computeIfAbsent(expr, e -> new TreeSet<>()).add(n));
    }
    assertEquals(Map.of(), missing, "the dashboard reads metrics the apps do not export");
  }

  // ---- helpers

  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  static String scrapeText() throws Exception {
    HttpResponse<String> response = get("/metrics");
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"), response.headers().toString());
    return response.body();
  }

  static List<Sample> scrape() throws Exception {
    List<Sample> samples = new ArrayList<>();
    for (String line : scrapeText().split("\n")) {
      Matcher m = LINE.matcher(line);
      if (line.startsWith("#") || !m.find()) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
    return samples;
  }

  private static List<Sample> select(List<Sample> samples, String name, Map<String, String> labels) {
    Predicate<Sample> matches = s -> s.name().equals(name) && labels.entrySet().stream().allMatch(e -> e.getValue().equals(s.labels().get(e.getKey())));
    return samples.stream().filter(matches).toList();
  }

  private static boolean has(List<Sample> samples, String name, Map<String, String> labels) {
    return !select(samples, name, labels).isEmpty();
  }

  /** The sum over every series of {@code name} with these labels. */
  private static double counter(List<Sample> samples, String name, Map<String, String> labels) {
    return select(samples, name, labels).stream().mapToDouble(Sample::value).sum();
  }

  private static double value(List<Sample> samples, String name, Map<String, String> labels) {
    List<Sample> found = select(samples, name, labels);
    return found.size() == 1 ? found.get(0).value() : Double.NaN;
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + http.http().advertised() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> post(String path, String body) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + http.http().advertised() + path))
        .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static void assertStatus(String id, String expected) {
    CliRun status = cli("status", id, "--wait", "PT60S");
    assertTrue(status.out().contains(expected), expected + " expected: " + status);
  }

  private static String preApprovedCharge(String flowId, int amount) throws IOException {
    String requestId = UUID.randomUUID().toString();
    String payload = "{\"amount\":" + amount + ",\"currency\":\"eur\",\"customer\":\"cus_metrics\"}";
    TokenSigner alice = new TokenSigner("alice", ApproverKeys.readPrivateKey(dir.resolve("keys/alice.key")));
    String token = TokenCodec.encode(alice.sign(ApprovalSubject.of(requestId, "acme", flowId, "create_charge", payload),
        ApprovalDecision.APPROVE, "pre-approved"));
    try (FabricClient client = new FabricClient(KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers()),
        TopicCatalog.create(prefix, 3, List.of()))) {
      return client.submit(Submission.of("acme", "create_charge").requestId(requestId).flowId(flowId).payload(payload)
          .approvalToken(token)).getRequestId();
    }
  }

  private static String submit(String... args) {
    CliRun run = cli(args);
    assertEquals(0, run.exitCode(), run.toString());
    return run.out().strip();
  }

  static CliRun cli(String... args) {
    return setup.cli(args);
  }
}
