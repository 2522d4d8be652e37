package io.fabric.cli.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.cli.ReconcileCommand;
import io.fabric.cli.faults.SteadyLoad.Kind;
import io.fabric.cli.faults.SteadyLoad.Sent;
import io.fabric.cli.reconcile.Reconciliation;
import io.fabric.contracts.RequestStatus;
import io.fabric.deploy.LoopbackKafkaCluster;
import io.fabric.deploy.TopicsApplier;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.plugins.vendors.StripePlugin;
import io.fabric.plugins.vendors.WhatsAppPlugin;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.sandbox.VendorSandbox;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Scale-out on a real cluster, short form: a 3-node KRaft cluster on loopback ({@link LoopbackKafkaCluster},
 * replication 3, min.insync.replicas 2) and two {@code fabric run} processes, each running every app
 * (policy, router, plugin runtimes, status store and gateway) with default settings, so each app has
 * two instances in two processes. Under the {@link SteadyLoad} the test SIGKILLs one of the two
 * processes (one instance of every app) and one broker at once, keeps the load going on what is left,
 * and then checks with {@code fabric reconcile} and the vendor sandbox's own log that nothing was lost
 * or done twice, and that the survivor's gateway answers status reads for every request, including
 * those whose status partitions lived in the killed process.
 */
@Tag("faults")
class ClusterScaleOutIT {
  private static final String PREFIX = "scale.";
  private static final Duration LOAD_INTERVAL = Duration.ofMillis(250);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(150);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(180);

  private static final List<String> timeline = new ArrayList<>();
  private static final List<FabricProcess> children = new ArrayList<>();
  private static long startNanos;
  private static Path dir;
  private static LoopbackKafkaCluster cluster;
  private static VendorSandbox sandbox;
  private static KafkaConnection connection;
  private static TopicCatalog catalog;
  private static SteadyLoad load;
  private static FabricProcess first;
  private static FabricProcess second;
  private static int secondHttpPort;
  private static List<Sent> sent;
  private static Reconciliation.Report report;
  private static Map<String, RequestStatus> statuses;

  @BeforeAll
  static void runScenario() throws IOException {
    startNanos = System.nanoTime();
    dir = Path.of(System.getProperty("fabric.faults.dir", "target/faults"))
        .resolve("scale-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath();
    Files.createDirectories(dir);
    Runtime.getRuntime().addShutdownHook(new Thread(ClusterScaleOutIT::stopChildren, "scale-out-children"));
    try {
      cluster = LoopbackKafkaCluster.start(dir.resolve("cluster"), 3, Map.of(
          // a killed process's transactions are aborted within seconds instead of the default 10 s sweep
          "transaction.abort.timed.out.transaction.cleanup.interval.ms", "2000"), FabricProcess.fabricJar().toString());
      note("3-node KRaft cluster on " + cluster.bootstrapServers());
      connection = KafkaConnection.of(cluster.bootstrapServers());
      catalog = TopicCatalog.create(PREFIX, 3, PluginRegistry.discover().pluginNames());
      TopicsApplier.apply(connection, catalog);
      sandbox = VendorSandbox.start();
      KeyPair approver = ChildFabrics.approver(dir);
      Path clientProperties = ChildFabrics.clientProperties(dir);
      // both gateways forward status reads to each other, which takes a secret they share
      Files.writeString(dir.resolve("peer.secret"), io.fabric.gateway.http.ApiKeys.newKey());

      first = child("fabric-1", ChildFabrics.freePort(), clientProperties);
      secondHttpPort = ChildFabrics.freePort();
      second = child("fabric-2", secondHttpPort, clientProperties);
      first.start();
      second.start();
      first.awaitRunning(START_TIMEOUT);
      second.awaitRunning(START_TIMEOUT);
      note("two fabric processes running every app");

      load = new SteadyLoad(dir.getFileName().toString(), connection, catalog, new TokenSigner(ChildFabrics.APPROVER, approver.getPrivate()));
      load.start(LOAD_INTERVAL);
      await("40 submissions before the faults").atMost(Duration.ofSeconds(60)).until(() -> load.ticks() >= 40);
      first.kill();
      cluster.kill(2);
      note("SIGKILL of fabric-1 (one instance of every app) and of broker 2; live brokers " + cluster.liveNodes());
      int mark = load.ticks();
      await("60 submissions after the faults").atMost(Duration.ofSeconds(90)).until(() -> load.ticks() >= mark + 60);
      load.stop();
      sent = load.acknowledged();
      note("load stopped after " + load.ticks() + " submissions; " + sent.size() + " acknowledged, " + load.failures().size() + " failed");

      await("fabric reconcile settled").atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofSeconds(5)).until(() -> {
        report = ReconcileCommand.reconcile(connection, catalog, null);
        return report.settled() && report.requests() + report.undecodableRecords() >= sent.size();
      });
      note("settled: " + report.byState() + "; lost " + report.lost().size() + ", duplicated " + report.duplicated().size());
      statuses = new HashMap<>();
      LatestByKeyReader.everything(connection, catalog.requestStatus).forEach(s -> statuses.put(s.getRequestId(), s));
    } finally {
      Files.write(dir.resolve("timeline.txt"), timeline);
    }
  }

  private static FabricProcess child(String name, int httpPort, Path clientProperties) {
    List<String> args = List.of("run", "--bootstrap-server", cluster.bootstrapServers(), "--topic-prefix", PREFIX,
        "--command-config", clientProperties.toString(), "--approvers", dir.resolve("approvers.yaml").toString(),
        "--data-dir", dir.resolve("data").resolve(name).toString(), "--http-port", String.valueOf(httpPort),
        "--gateway-peer-secret", dir.resolve("peer.secret").toString());
    FabricProcess process = new FabricProcess(name, dir, ChildFabrics.jvmArgs(sandbox), args);
    children.add(process);
    return process;
  }

  @AfterAll
  static void stopEverything() {
    stopChildren();
    if (load != null) {
      load.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static synchronized void stopChildren() {
    children.forEach(FabricProcess::destroy);
  }

  @Test
  void nothingIsLostOrDuplicated() {
    assertTrue(load.failures().isEmpty(), "submissions the cluster did not acknowledge: " + load.failures());
    assertTrue(report.lost().isEmpty(), () -> "lost: " + report.lost() + diagnosis());
    assertTrue(report.duplicated().isEmpty(), () -> "duplicated: " + report.duplicated() + diagnosis());
    long undecodable = sent.stream().filter(s -> s.kind().undecodable()).count();
    assertEquals(sent.size() - undecodable, report.requests(), diagnosis());
  }

  @Test
  void theVendorsSawEachSideEffectOnce() {
    List<Sent> charges = sent.stream().filter(s -> s.kind() == Kind.CHARGE).toList();
    Map<String, Long> callsPerKey = sandbox.calls(StripePlugin.NAME).stream()
        .filter(c -> c.method().equals("POST") && c.path().equals("/v1/payment_intents") && c.status() == 200)
        .collect(Collectors.groupingBy(c -> c.headers().get("idempotency-key"), Collectors.counting()));
    for (Sent charge : charges) {
      assertEquals("EXECUTED", statuses.get(charge.id()).getOutcome(), "charge " + charge.id() + diagnosis());
    }
    assertEquals(charges.size(), sandbox.effects(VendorSandbox.CHARGE), "charges Stripe made, per its own log" + diagnosis());
    assertEquals(charges.size(), callsPerKey.size(), "one idempotency key per charge: " + callsPerKey);

    for (Sent message : sent.stream().filter(s -> s.kind() == Kind.WHATSAPP).toList()) {
      String marker = SteadyLoad.marker(message.request().getIdempotencyKey());
      long calls = sandbox.calls(WhatsAppPlugin.NAME).stream().filter(c -> c.status() == 200 && c.body().contains(marker + "\"")).count();
      assertTrue(calls <= 1, message.id() + " sent " + calls + " times" + diagnosis());
    }
  }

  @Test
  void theSurvivorsGatewayAnswersStatusReadsForEveryRequestIncludingThoseThatMoved() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    List<String> unanswered = new ArrayList<>();
    for (Sent request : sent.stream().filter(s -> !s.kind().undecodable()).toList()) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + secondHttpPort + "/v1/requests/" + request.id())).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200 || !response.body().contains(statuses.get(request.id()).getOutcome())) {
        unanswered.add(request.id() + " -> " + response.statusCode() + " " + response.body());
      }
    }
    assertEquals(List.of(), unanswered, diagnosis());
  }

  private static String diagnosis() {
    return "\ntimeline:\n  " + String.join("\n  ", timeline) + "\nlogs: " + dir;
  }

  private static void note(String event) {
    long seconds = (System.nanoTime() - startNanos) / 1_000_000_000L;
    String line = String.format("%4ds  %s", seconds, event);
    timeline.add(line);
    System.out.println("[scale-out] " + line);
  }
}
