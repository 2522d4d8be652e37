package io.fabric.cli.faults;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.cli.FabricMain;
import io.fabric.cli.ReconcileCommand;
import io.fabric.cli.faults.SteadyLoad.Kind;
import io.fabric.cli.faults.SteadyLoad.Sent;
import io.fabric.cli.reconcile.Reconciliation;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.deploy.EmbeddedKafkaBroker;
import io.fabric.deploy.TopicsApplier;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.plugins.vendors.StripePlugin;
import io.fabric.plugins.vendors.WhatsAppPlugin;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.sandbox.VendorSandbox;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The fabric keeps its promise under crashes, restarts and poison pills: nothing lost, nothing done
 * twice. The test JVM runs a real broker ({@link EmbeddedKafkaBroker}) and the vendor sandbox; the
 * policy, router and plugin apps run as separate OS processes ({@code java -jar fabric.jar run
 * --apps ...}), each with its own data dir and log under {@code target/faults/run-<time>/}. Under
 * the {@link SteadyLoad} (4 requests a second, 5% poison pills) the scenario, in {@link #runScenario()}:
 *
 * <ol>
 *   <li>halts the plugins process right after its 10th Stripe call returned and before its commit
 *       ({@value PluginRuntimeConfig#FAULT_HALT_AFTER_CALL}{@code =stripe:10}; exit 137, as SIGKILL),
 *       restarts it, then does the same after its 5th WhatsApp call, and restarts it again;</li>
 *   <li>kills the policy app (and the audit chain sequencer, which shares its process) with SIGKILL and restarts it on its data dir;</li>
 *   <li>kills the router with SIGKILL and restarts it;</li>
 *   <li>kills the plugins process with SIGKILL wherever it is, and restarts it;</li>
 *   <li>stops the broker for 10 s of load (40 submissions queue up meanwhile) and starts it again on
 *       the same data dir and port;</li>
 *   <li>submits duplicates (same tenant and idempotency key, new request id) of executed requests;</li>
 *   <li>stops the load and waits until {@code fabric reconcile} finds nothing in flight.</li>
 * </ol>
 *
 * Each test then checks one promise against the topics and against the vendor sandbox's own log.
 * Only failure detection is tuned, for speed: children get {@code --command-config} with a 6 s
 * consumer session timeout (a killed member's partitions move in seconds rather than 45 s), and the
 * broker looks for timed-out transactions every 2 s. Run it alone with
 * {@code mvn -B -pl fabric-cli verify -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=FaultInjectionIT}.
 */
@Tag("faults")
class FaultInjectionIT {
  private static final String PREFIX = "faults.";
  private static final Duration LOAD_INTERVAL = Duration.ofMillis(250);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(180);
  private static final Map<String, String> BROKER_OVERRIDES = Map.of(
      // a killed producer whose transactional id is not reused holds back read_committed readers until its
      // transaction times out; check for timed-out transactions every 2 s instead of every 10 s
      "transaction.abort.timed.out.transaction.cleanup.interval.ms", "2000");

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> timeline = new ArrayList<>();
  private static final List<FabricProcess> children = new ArrayList<>();
  private static long startNanos;

  private static Path dir;
  private static Path brokerDir;
  private static int port;
  private static EmbeddedKafkaBroker broker;
  private static VendorSandbox sandbox;
  private static KafkaConnection connection;
  private static TopicCatalog catalog;
  private static SteadyLoad load;
  private static KeyPair approver;
  private static FabricProcess policy;
  private static FabricProcess router;
  private static FabricProcess plugins;

  private static String stripeInDoubt;
  private static String whatsappInDoubt;
  private static List<Sent> sent;
  private static Reconciliation.Report report;
  private static Map<String, RequestStatus> statuses;
  private static List<DeadLetter> deadLetters;

  @BeforeAll
  static void runScenario() throws IOException {
    startNanos = System.nanoTime();
    dir = Path.of(System.getProperty("fabric.faults.dir", "target/faults"))
        .resolve("run-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))).toAbsolutePath();
    Files.createDirectories(dir);
    Runtime.getRuntime().addShutdownHook(new Thread(FaultInjectionIT::destroyChildren, "fault-suite-children"));
    try {
      startFabric();
      underLoad();
      settle();
    } finally {
      Files.write(dir.resolve("timeline.txt"), timeline);
    }
  }

  private static void startFabric() throws IOException {
    brokerDir = dir.resolve("broker");
    port = freePort();
    broker = EmbeddedKafkaBroker.start(brokerDir, port, BROKER_OVERRIDES);
    connection = KafkaConnection.of(broker.bootstrapServers());
    catalog = TopicCatalog.create(PREFIX, 3, PluginRegistry.discover().pluginNames());
    TopicsApplier.apply(connection, catalog);
    sandbox = VendorSandbox.start();
    note("broker on " + broker.bootstrapServers() + ", vendor sandbox on " + sandbox.baseUrl() + ", logs in " + dir);

    approver = ApproverKeys.newKeyPair();
    ApproverKeys.writePublicKey(dir.resolve("faults.pub"), approver.getPublic());
    Files.writeString(dir.resolve("approvers.yaml"),
        "approvers:\n  faults: { public_key_file: faults.pub, actions: [create_charge, send_whatsapp], tenants: [\"*\"] }\n");
    Files.writeString(dir.resolve("client.properties"), "session.timeout.ms=6000\nheartbeat.interval.ms=1500\n");

    List<String> jvm = new ArrayList<>(List.of("-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.log.io.fabric=info",
        "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"));
    sandbox.systemProperties().forEach((key, value) -> jvm.add("-D" + key + "=" + value));
    // the audit chain sequencer shares the policy process, so the policy SIGKILL kills it mid-chain too
    policy = child("policy", "policy,audit", jvm);
    router = child("router", "router", jvm);
    plugins = child("plugins", "plugins", jvm);

    policy.start();
    router.start();
    plugins.start(Map.of(PluginRuntimeConfig.FAULT_HALT_AFTER_CALL, "stripe:10"));
    for (FabricProcess child : children) {
      child.awaitRunning(START_TIMEOUT);
    }
    note("policy, router and plugins processes running (plugins with " + PluginRuntimeConfig.FAULT_HALT_AFTER_CALL + "=stripe:10)");
  }

  private static FabricProcess child(String app, String apps, List<String> jvm) {
    List<String> args = List.of("run", "--bootstrap-server", broker.bootstrapServers(), "--topic-prefix", PREFIX,
        "--command-config", dir.resolve("client.properties").toString(), "--approvers", dir.resolve("approvers.yaml").toString(),
        "--apps", apps, "--data-dir", dir.resolve("data").resolve(app).toString(), "--http-port", "0");
    FabricProcess process = new FabricProcess(app, dir, jvm, args);
    children.add(process);
    return process;
  }

  private static void underLoad() {
    load = new SteadyLoad(dir.getFileName().toString(), connection, catalog, new TokenSigner("faults", approver.getPrivate()));
    load.start(LOAD_INTERVAL);
    note("load started: one submission every " + LOAD_INTERVAL.toMillis() + " ms");

    int halted = plugins.awaitExit(START_TIMEOUT);
    stripeInDoubt = plugins.haltedRequest().orElseThrow(() -> new AssertionError("plugins exited " + halted
        + " without the fault-injection line; see " + plugins.log()));
    note("plugins halted (exit " + halted + ") after its 10th Stripe call, before the commit of request " + stripeInDoubt);
    assertEquals(137, halted, "the fault-injection halt exits like SIGKILL");
    plugins.start(Map.of(PluginRuntimeConfig.FAULT_HALT_AFTER_CALL, "whatsapp:5")).awaitRunning(START_TIMEOUT);
    note("plugins restarted with " + PluginRuntimeConfig.FAULT_HALT_AFTER_CALL + "=whatsapp:5");

    int haltedAgain = plugins.awaitExit(START_TIMEOUT);
    whatsappInDoubt = plugins.haltedRequest().orElseThrow(() -> new AssertionError("plugins exited " + haltedAgain
        + " without the fault-injection line; see " + plugins.log()));
    note("plugins halted (exit " + haltedAgain + ") after its 5th WhatsApp call, before the commit of request " + whatsappInDoubt);
    assertEquals(137, haltedAgain, "the fault-injection halt exits like SIGKILL");
    plugins.start().awaitRunning(START_TIMEOUT);
    note("plugins restarted without fault injection");

    policy.kill();
    note("policy killed with SIGKILL");
    policy.start().awaitRunning(START_TIMEOUT);
    note("policy restarted on its data dir");

    router.kill();
    note("router killed with SIGKILL");
    router.start().awaitRunning(START_TIMEOUT);
    note("router restarted");

    plugins.kill();
    note("plugins killed with SIGKILL wherever it was");
    plugins.start().awaitRunning(START_TIMEOUT);
    note("plugins restarted");

    broker.close();
    int down = load.ticks();
    note("broker stopped");
    // keep it down while 40 more submissions (10 s of load) queue up in the load's producers
    await("submissions while the broker is down").atMost(Duration.ofSeconds(30)).until(() -> load.ticks() >= down + 40);
    broker = EmbeddedKafkaBroker.start(brokerDir, port, BROKER_OVERRIDES);
    note("broker restarted on the same data dir and port " + port);

    submitDuplicates();

    int mark = load.ticks();
    await("40 more submissions after the last fault").atMost(Duration.ofSeconds(60)).until(() -> load.ticks() >= mark + 40);
    load.stop();
    sent = load.acknowledged();
    note("load stopped after " + load.ticks() + " submissions; " + sent.size() + " acknowledged, " + load.failures().size() + " failed");
  }

  /** Duplicates of three executed charges and three executed class-A requests. */
  private static void submitDuplicates() {
    List<Sent> originals = new ArrayList<>();
    await("executed requests to duplicate").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      Set<String> executed = new HashSet<>();
      LatestByKeyReader.everything(connection, catalog.requestStatus).forEach(s -> {
        if (s.getOutcome().equals("EXECUTED")) {
          executed.add(s.getRequestId());
        } else {
          executed.remove(s.getRequestId());
        }
      });
      originals.clear();
      for (Kind kind : List.of(Kind.CHARGE, Kind.SUMMARIZE)) {
        load.acknowledged().stream().filter(s -> s.kind() == kind && executed.contains(s.id())).limit(3).forEach(originals::add);
      }
      return originals.size() == 6;
    });
    originals.forEach(load::submitDuplicate);
    note("submitted duplicates of " + originals.stream().map(Sent::id).toList());
  }

  private static void settle() {
    await("fabric reconcile settled: nothing in flight").atMost(SETTLE_TIMEOUT).pollInterval(Duration.ofSeconds(5))
        .until(() -> {
          report = ReconcileCommand.reconcile(connection, catalog, null);
          return report.settled() && report.requests() + report.undecodableRecords() >= sent.size();
        });
    note("settled: " + report.byState() + "; lost " + report.lost().size() + ", duplicated " + report.duplicated().size());
    statuses = new HashMap<>();
    LatestByKeyReader.everything(connection, catalog.requestStatus).forEach(s -> statuses.put(s.getRequestId(), s));
    deadLetters = LatestByKeyReader.everything(connection, catalog.dlq);
  }

  @AfterAll
  static void stopEverything() {
    destroyChildren();
    if (load != null) {
      load.close();
    }
    if (broker != null) {
      broker.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
    if (report != null && report.clean() && report.settled()) {
      // a clean run keeps its logs and timeline only; the broker's and the apps' data are hundreds of MB
      deleteRecursively(dir.resolve("broker"));
      deleteRecursively(dir.resolve("data"));
    }
    note("done");
    try {
      Files.write(dir.resolve("timeline.txt"), timeline);
    } catch (IOException e) {
      // the timeline is a diagnosis aid only
    }
  }

  private static synchronized void destroyChildren() {
    children.forEach(FabricProcess::destroy);
  }

  // ---------------------------------------------------------------- the promises

  @Test
  void nothingIsLostOrDuplicatedAndEveryAcknowledgedRecordIsAccountedFor() {
    assertTrue(load.failures().isEmpty(), "submissions Kafka did not acknowledge: " + load.failures());
    assertTrue(report.lost().isEmpty(), () -> "lost: " + report.lost() + diagnosis());
    assertTrue(report.duplicated().isEmpty(), () -> "duplicated: " + report.duplicated() + diagnosis());
    assertTrue(report.inFlight().isEmpty() && report.backlog().isEmpty(), () -> "not settled: " + report + diagnosis());
    long undecodable = sent.stream().filter(s -> s.kind().undecodable()).count();
    assertEquals(sent.size() - undecodable, report.requests(), diagnosis());
    assertEquals(undecodable, report.undecodableRecords(), diagnosis());
  }

  @Test
  void fabricReconcileExitsZeroWithTheSameVerdict() throws IOException {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = FabricMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("reconcile", "--bootstrap-server", broker.bootstrapServers(), "--topic-prefix", PREFIX, "-o", "json");

    assertEquals(0, exit, out + "\n" + err);
    JsonNode verdict = JSON.readTree(out.toString());
    assertEquals(0, verdict.get("lost").size(), out.toString());
    assertEquals(0, verdict.get("duplicated").size(), out.toString());
    assertEquals(report.requests(), verdict.get("requests").asInt(), out.toString());
  }

  @Test
  void theAuditChainSurvivedThePolicySigkillVerifiesAndChainsEveryAuditEventOnce() {
    await("every audit event chained").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
      Set<String> ids = new HashSet<>();
      LatestByKeyReader.everything(connection, catalog.audit).forEach(e -> ids.add(e.getId()));
      List<String> chained = io.fabric.audit.chain.AuditChainReader.readAll(connection, catalog.auditChain.name()).records().stream()
          .map(r -> io.fabric.audit.chain.AuditChainReader.event(r.chained()).getId()).toList();
      assertEquals(ids.size(), chained.size(), "one chained record per distinct audit event" + diagnosis());
      assertEquals(ids, new HashSet<>(chained), diagnosis());
    });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = FabricMain.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));

    int exit = cli.execute("audit", "verify", "--bootstrap-server", broker.bootstrapServers(), "--topic-prefix", PREFIX);

    assertEquals(0, exit, out + "\n" + err);
    assertTrue(out.toString().contains(": verified,"), out.toString());
  }

  @Test
  void everyChargeHappenedExactlyOncePerIdempotencyKey() {
    List<Sent> charges = sent(Kind.CHARGE);
    Map<String, Long> callsPerKey = stripeChargeCalls().stream()
        .collect(Collectors.groupingBy(c -> c.headers().get("idempotency-key"), LinkedHashMap::new, Collectors.counting()));

    for (Sent charge : charges) {
      assertEquals("EXECUTED", outcome(charge.id()), "charge " + charge.id());
      assertTrue(callsPerKey.containsKey(charge.request().getIdempotencyKey()), "no Stripe call for " + charge.id());
    }
    assertEquals(charges.size(), callsPerKey.size(), "one idempotency key per charge request: " + callsPerKey.keySet());
    assertEquals(charges.size(), sandbox.effects(VendorSandbox.CHARGE), "charges Stripe made, per its own log");
  }

  @Test
  void theChargeInDoubtAtTheCrashWasSettledByStripesIdempotencyNotChargedAgain() {
    Sent charge = byId(stripeInDoubt);
    assertEquals(Kind.CHARGE, charge.kind(), "the halt hit request " + stripeInDoubt);
    long calls = stripeChargeCalls().stream().filter(c -> charge.request().getIdempotencyKey().equals(c.headers().get("idempotency-key")))
        .count();

    assertTrue(calls >= 2, "the in-doubt charge is called again with the same key, found " + calls + " call(s)");
    assertEquals("EXECUTED", outcome(charge.id()));
    FlowStep step = step(charge.request().getFlowId(), charge.id());
    assertTrue(step.getResult().contains("\"replayed\":true"), "Stripe replayed its first answer: " + step.getResult());
    assertTrue(step.getAttempts().size() >= 2 && step.getAttempts().get(0).getError() != null,
        "the step records the attempt in doubt: " + step.getAttempts());
  }

  @Test
  void theWhatsAppMessageInDoubtWentToTheDlqAndWasNotSentAgain() {
    Sent message = byId(whatsappInDoubt);
    assertEquals(Kind.WHATSAPP, message.kind(), "the halt hit request " + whatsappInDoubt);

    assertEquals(1, whatsAppCalls(message), "the message was sent once, before the crash, and never again");
    assertEquals("DEAD_LETTER/IN_DOUBT", outcome(message.id()));
    assertTrue(deadLetters.stream().anyMatch(l -> message.id().equals(l.getRequestId()) && l.getReason().equals("IN_DOUBT")
        && l.getStage().equals("plugin:whatsapp")), "an IN_DOUBT dead letter for " + message.id());
  }

  @Test
  void noWhatsAppMessageWasSentTwiceAndEveryOneInDoubtIsInTheDlq() {
    int delivered = 0;
    for (Sent message : sent(Kind.WHATSAPP)) {
      long calls = whatsAppCalls(message);
      String outcome = outcome(message.id());
      assertTrue(calls <= 1, message.id() + " sent " + calls + " times");
      if (outcome.equals("EXECUTED")) {
        assertEquals(1, calls, message.id() + " executed");
        delivered++;
      } else {
        assertEquals("DEAD_LETTER/IN_DOUBT", outcome, message.id() + " neither executed nor in doubt");
      }
    }
    assertTrue(deadLetters.stream().filter(l -> "plugin:whatsapp".equals(l.getStage())).allMatch(l -> l.getReason().equals("IN_DOUBT")),
        "WhatsApp dead letters are all IN_DOUBT");
    long sentBySandbox = sandbox.calls(WhatsAppPlugin.NAME).stream().filter(c -> c.status() == 200).count();
    assertEquals(sentBySandbox, sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE));
    assertTrue(delivered > 0, "some messages were delivered");
  }

  @Test
  void poisonPillsEndInTheDlqOrBlockedAndNeverStopTheOthers() {
    List<Sent> pills = sent.stream().filter(s -> s.kind().undecodable() || s.kind() == Kind.OVERSIZED).toList();
    assertTrue(pills.stream().map(Sent::kind).collect(Collectors.toSet()).size() == 4, "all four kinds of poison were sent: " + pills);
    for (Sent pill : pills) {
      if (pill.kind() == Kind.OVERSIZED) {
        assertEquals("BLOCKED/INVALID_REQUEST", outcome(pill.id()), "oversized " + pill.id());
        continue;
      }
      List<DeadLetter> letters = deadLetters.stream().filter(l -> l.getRequestId() == null
          && catalog.ingress.name().equals(l.getOriginalTopic()) && l.getOriginalPartition() == pill.partition()
          && l.getOriginalOffset() == pill.offset()).toList();
      assertEquals(1, letters.size(), pill.kind() + " at " + pill.partition() + "@" + pill.offset() + ": " + letters);
      assertEquals("UNDECODABLE", letters.get(0).getReason());
      assertNotNull(letters.get(0).getOriginalValue(), "the DLQ keeps the original bytes");
    }
  }

  @Test
  void duplicatesOfExecutedRequestsAreReportedDuplicateAndNeverRunAgain() {
    List<Sent> duplicates = sent(Kind.DUPLICATE);
    assertEquals(6, duplicates.size());
    for (Sent duplicate : duplicates) {
      RequestStatus status = statuses.get(duplicate.id());
      assertNotNull(status, "status of duplicate " + duplicate.id());
      assertEquals("DUPLICATE", status.getOutcome());
      assertEquals(duplicate.duplicateOf(), status.getDuplicateOf());
      assertEquals("EXECUTED", outcome(duplicate.duplicateOf()), "the original keeps its outcome");
    }
  }

  @Test
  void everyClassARequestExecutedOnceIncludingFurtherStepsOfEarlierFlows() {
    List<Sent> classA = sent(Kind.SUMMARIZE);
    for (Sent request : classA) {
      assertEquals("EXECUTED", outcome(request.id()), "class A " + request.id());
    }
    assertTrue(classA.stream().anyMatch(s -> !s.request().getFlowId().equals(s.id())), "some requests continued an earlier flow");
  }

  // ---------------------------------------------------------------- helpers

  private static List<Sent> sent(Kind kind) {
    return sent.stream().filter(s -> s.kind() == kind).toList();
  }

  private static Sent byId(String requestId) {
    return sent.stream().filter(s -> s.request() != null && s.id().equals(requestId)).findFirst()
        .orElseThrow(() -> new AssertionError("request " + requestId + " was not submitted by the load"));
  }

  /** The request's outcome as its latest status says: EXECUTED, BLOCKED/REASON, DEAD_LETTER/REASON, ... */
  private static String outcome(String requestId) {
    RequestStatus status = statuses.get(requestId);
    if (status == null) {
      return "NO STATUS";
    }
    return status.getReason() == null ? status.getOutcome() : status.getOutcome() + "/" + status.getReason();
  }

  private static List<VendorSandbox.Call> stripeChargeCalls() {
    return sandbox.calls(StripePlugin.NAME).stream()
        .filter(c -> c.method().equals("POST") && c.path().equals("/v1/payment_intents") && c.status() == 200).toList();
  }

  private static long whatsAppCalls(Sent message) {
    String marker = SteadyLoad.marker(message.request().getIdempotencyKey());
    return sandbox.calls(WhatsAppPlugin.NAME).stream()
        .filter(c -> c.status() == 200 && c.body().contains(marker + "\"")).count();
  }

  private static FlowStep step(String flowId, String requestId) {
    FlowCheckpoint checkpoint = LatestByKeyReader.latest(connection, catalog.flowState, flowId)
        .orElseThrow(() -> new AssertionError("no checkpoint of flow " + flowId));
    return checkpoint.getSteps().stream().filter(s -> s.getRequestId().equals(requestId)).findFirst()
        .orElseThrow(() -> new AssertionError("flow " + flowId + " has no step " + requestId));
  }

  private static String diagnosis() {
    return "\ntimeline:\n  " + String.join("\n  ", timeline) + "\nlogs: " + dir;
  }

  private static void note(String event) {
    long seconds = (System.nanoTime() - startNanos) / 1_000_000_000L;
    String line = String.format("%4ds  %s", seconds, event);
    timeline.add(line);
    System.out.println("[fault suite] " + line);
  }

  private static void deleteRecursively(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      note("could not delete " + root + ": " + e.getMessage());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
