package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.OtlpTraceReceiver;
import io.fabric.deploy.OtlpTraceReceiver.ReceivedSpan;
import io.fabric.schemas.tracing.FabricTracing;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every hop of a request is a span under one trace id, exported by OTLP to an in-process receiver;
 * and {@code fabric trace} shows the same path from the fabric's own topics, with its latencies.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class TracingIntegrationTest {
  @TempDir
  static Path dir;

  private static InProcessFabricSetup setup;
  private static String prefix;
  private static OtlpTraceReceiver receiver;
  private static FabricTracing tracing;
  private static FabricRuntime runtime;
  private static GatewayOptions.Running http;
  private static String apiKey;

  @BeforeAll
  static void startFabric() throws Exception {
    receiver = OtlpTraceReceiver.start();
    // the SDK as `fabric run` configures it (autoconfigure), pointed at the receiver; passed in, never global
    tracing = FabricTracing.configure(Map.of("otel.exporter.otlp.endpoint", receiver.endpoint(), "otel.bsp.schedule.delay", "100"));
    assertTrue(tracing.enabled());
    setup = new InProcessFabricSetup(dir, "trace");
    prefix = setup.prefix;
    setup.approverPolicyAndTopics("tenants:\n  strict-co: { B: [summarize] }\n");
    ConnectionOptions kafka = setup.kafka();
    AppOptions apps = setup.apps();
    GatewayOptions gateway = setup.gatewayWithKey("app", "acme,strict-co");
    apiKey = setup.apiKey("app");
    java.util.concurrent.atomic.AtomicReference<FabricRuntime> started = new java.util.concurrent.atomic.AtomicReference<>();
    http = gateway.start(kafka.connection(kafka.bootstrapServer), kafka.catalog(), apps, started::get, tracing, null);
    runtime = FabricRuntime.start(apps.settings(kafka, kafka.bootstrapServer, dir.resolve("state")), http.http().advertised(), tracing);
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
    if (tracing != null) {
      tracing.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  @Test
  void everyHopOfAClassAAndAnApprovedClassBRequestIsASpanOfTheRequestsOneTrace() throws Exception {
    String callerTrace = HexFormat.of().formatHex(random(16));
    String callerSpan = HexFormat.of().formatHex(random(8));
    String a = submit("{\"tenant_id\":\"acme\",\"action\":\"summarize\",\"payload\":{\"text\":\"Traced. Every hop.\"},\"final_step\":true}",
        "traceparent", "00-" + callerTrace + "-" + callerSpan + "-01");
    String b = submit("{\"tenant_id\":\"strict-co\",\"action\":\"summarize\",\"payload\":{\"text\":\"Approve me.\"},\"final_step\":true}");
    await().atMost(Duration.ofSeconds(60)).until(() -> cli("status", b).out().contains("PENDING_APPROVAL"));
    CliRun approve = cli("approve", b, "--key", dir.resolve("keys/alice.key").toString());
    assertEquals(0, approve.exitCode(), approve.toString());
    assertTrue(cli("status", a, "--wait", "PT60S").out().contains("EXECUTED"));
    assertTrue(cli("status", b, "--wait", "PT60S").out().contains("EXECUTED"));

    List<String> hopsOfA = List.of(FabricTracing.GATEWAY_SPAN, FabricTracing.GATE_SPAN, FabricTracing.ROUTE_SPAN,
        FabricTracing.PLUGIN_ATTEMPT_SPAN, FabricTracing.CHECKPOINT_SPAN);
    List<String> hopsOfB = new ArrayList<>(hopsOfA);
    hopsOfB.add(FabricTracing.APPROVAL_SPAN);
    await().atMost(Duration.ofSeconds(30)).until(() -> names(receiver.spansOf(a)).containsAll(hopsOfA)
        && names(receiver.spansOf(b)).containsAll(hopsOfB));

    List<ReceivedSpan> spansOfA = receiver.spansOf(a);
    List<ReceivedSpan> spansOfB = receiver.spansOf(b);
    assertEquals(Set.of(callerTrace), traceIds(spansOfA), "the caller's trace is continued: " + spansOfA);
    assertEquals(1, traceIds(spansOfB).size(), "one trace id per request: " + spansOfB);
    assertNotEquals(traceIds(spansOfA), traceIds(spansOfB), "different requests, different traces");
    assertEquals(hopsOfA.size(), spansOfA.size(), "one span per hop: " + spansOfA);
    assertEquals(hopsOfB.size(), spansOfB.size(), "one span per hop: " + spansOfB);

    // parent/child: each hop is the child of the one before it
    assertEquals(callerSpan, span(spansOfA, FabricTracing.GATEWAY_SPAN).parentSpanId());
    assertChain(spansOfA, FabricTracing.GATEWAY_SPAN, FabricTracing.GATE_SPAN, FabricTracing.ROUTE_SPAN, FabricTracing.PLUGIN_ATTEMPT_SPAN,
        FabricTracing.CHECKPOINT_SPAN);
    assertEquals("", span(spansOfB, FabricTracing.GATEWAY_SPAN).parentSpanId(), "no caller context: the gateway starts the trace");
    assertChain(spansOfB, FabricTracing.GATEWAY_SPAN, FabricTracing.GATE_SPAN);
    assertChain(spansOfB, FabricTracing.GATEWAY_SPAN, FabricTracing.APPROVAL_SPAN, FabricTracing.ROUTE_SPAN,
        FabricTracing.PLUGIN_ATTEMPT_SPAN, FabricTracing.CHECKPOINT_SPAN);

    ReceivedSpan gate = span(spansOfB, FabricTracing.GATE_SPAN);
    assertEquals("strict-co", gate.attribute("fabric.tenant_id"));
    assertEquals("summarize", gate.attribute("fabric.action"));
    assertEquals("B", gate.attribute("fabric.class"));
    assertEquals("PENDING_APPROVAL", gate.attribute("fabric.outcome"));
    assertTrue(gate.attribute("fabric.rule").contains("strict-co"), gate.toString());
    assertFalse(gate.attribute("fabric.policy_version").isBlank());
    ReceivedSpan approval = span(spansOfB, FabricTracing.APPROVAL_SPAN);
    assertEquals("alice", approval.attribute("fabric.approver"));
    assertEquals("ROUTED", approval.attribute("fabric.outcome"));
    assertEquals("A", span(spansOfA, FabricTracing.GATE_SPAN).attribute("fabric.class"));
    assertEquals("ROUTED", span(spansOfA, FabricTracing.GATE_SPAN).attribute("fabric.outcome"));
    assertEquals(prefix + "plugin.builtin.tasks", span(spansOfA, FabricTracing.ROUTE_SPAN).attribute("fabric.topic"));
    ReceivedSpan attempt = span(spansOfA, FabricTracing.PLUGIN_ATTEMPT_SPAN);
    assertEquals("builtin", attempt.attribute("fabric.plugin"));
    assertEquals("1", attempt.attribute("fabric.attempt"));
    assertEquals("ok", attempt.attribute("fabric.result"));
    assertFalse(attempt.error());
    assertEquals("1", span(spansOfA, FabricTracing.CHECKPOINT_SPAN).attribute("fabric.checkpoint.revision"));
    assertEquals("202", span(spansOfA, FabricTracing.GATEWAY_SPAN).attribute("http.response.status_code"));
    assertTrue(receiver.spans().stream().allMatch(s -> "execution-fabric".equals(s.service())), "service name defaults to execution-fabric");
    assertEquals("SERVER", span(spansOfA, FabricTracing.GATEWAY_SPAN).kind().replace("SPAN_KIND_", ""));

    // the same path without a tracing backend: fabric trace
    CliRun trace = cli("trace", b);
    assertEquals(0, trace.exitCode(), trace.toString());
    for (String hop : List.of("submitted", "gate", "approval", "routed", "attempt", "checkpoint", "executed")) {
      assertTrue(trace.out().lines().anyMatch(l -> l.startsWith(hop + " ")), hop + " missing:\n" + trace);
    }
    assertTrue(trace.out().contains("principal=app") && trace.out().contains("approver=alice") && trace.out().contains("outcome=PENDING_APPROVAL") && trace.out().contains("class=B"),
        trace.toString());
    CliRun json = cli("trace", b, "-o", "json");
    assertEquals(0, json.exitCode(), json.toString());
    JsonNode path = new ObjectMapper().readTree(json.out());
    assertEquals(b, path.path("request_id").asText());
    assertEquals("alice", path.path("approvers").path(0).asText());
    List<String> stages = new ArrayList<>();
    for (JsonNode hop : path.path("hops")) {
      stages.add(hop.path("stage").asText());
      assertTrue(hop.path("since_previous_ms").asLong() >= 0, "non-negative latency: " + json.out());
      assertTrue(hop.path("since_submitted_ms").asLong() >= 0, "non-negative latency: " + json.out());
    }
    assertEquals(List.of("submitted", "gate", "approval", "routed", "attempt", "checkpoint", "executed"), stages, json.out());
    assertEquals("PENDING_APPROVAL", path.path("hops").path(1).path("detail").path("outcome").asText());
    assertEquals(prefix + "plugin.builtin.tasks", path.path("hops").path(3).path("detail").path("plugin_topic").asText(), json.out());
    assertEquals("1", path.path("hops").path(5).path("detail").path("revision").asText(), json.out());
  }

  @Test
  void traceOfAnUnknownOrForeignRequestFailsWithOneLine() throws Exception {
    CliRun unknown = cli("trace", "no-such-request");
    assertEquals(1, unknown.exitCode(), unknown.toString());
    assertEquals(1, unknown.err().strip().lines().count(), unknown.toString());
    assertTrue(unknown.err().contains("unknown request no-such-request"), unknown.toString());

    String a = submit("{\"tenant_id\":\"acme\",\"action\":\"summarize\",\"payload\":{\"text\":\"Mine.\"},\"final_step\":true}");
    assertTrue(cli("status", a, "--wait", "PT60S").out().contains("EXECUTED"));
    CliRun foreign = cli("trace", a, "--tenant", "strict-co");
    assertEquals(1, foreign.exitCode(), foreign.toString());
    assertTrue(foreign.err().contains("unknown request " + a), foreign.toString());
    CliRun own = cli("trace", a, "--tenant", "acme");
    assertEquals(0, own.exitCode(), own.toString());
    assertTrue(own.out().lines().anyMatch(l -> l.startsWith("gate ") && l.contains("outcome=ROUTED") && l.contains("plugin_topic=")), own.toString());
  }

  private static void assertChain(List<ReceivedSpan> spans, String... names) {
    for (int i = 1; i < names.length; i++) {
      assertEquals(span(spans, names[i - 1]).spanId(), span(spans, names[i]).parentSpanId(),
          names[i] + " is a child of " + names[i - 1] + ": " + spans);
    }
  }

  private static ReceivedSpan span(List<ReceivedSpan> spans, String name) {
    List<ReceivedSpan> named = spans.stream().filter(s -> s.name().equals(name)).toList();
    assertEquals(1, named.size(), name + ": " + spans);
    return named.get(0);
  }

  private static Set<String> names(List<ReceivedSpan> spans) {
    return spans.stream().map(ReceivedSpan::name).collect(Collectors.toSet());
  }

  private static Set<String> traceIds(List<ReceivedSpan> spans) {
    return spans.stream().map(ReceivedSpan::traceId).collect(Collectors.toSet());
  }

  private static byte[] random(int n) {
    byte[] bytes = new byte[n];
    ThreadLocalRandom.current().nextBytes(bytes);
    return bytes;
  }

  private static String submit(String task, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + http.http().advertised() + "/v1/tasks"))
        .header("Authorization", "Bearer " + apiKey).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(task));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    HttpResponse<String> response = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(202, response.statusCode(), response.body());
    return new ObjectMapper().readTree(response.body()).path("request_id").asText();
  }

  static CliRun cli(String... args) {
    return setup.cli(args);
  }
}
