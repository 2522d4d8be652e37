package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.flow.AgentRunSetup;
import io.fabric.contracts.RequestStatus;
import io.fabric.gateway.Submission;
import io.fabric.plugins.flows.FlowHistoryReader;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.sandbox.VendorSandbox;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An agent run on the real fabric: the sandbox's model proposes a class-A tool (runs), a class-B tool
 * (waits for alice's approval, then runs) and a class-C tool (blocked by the gate); every call is a
 * request signed by the agent's submitter identity, and the model's last turn sees all three outcomes.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class AgentRunIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUBMITTER = "agent-it";

  @TempDir
  static Path dir;

  private static final String OPS = "ops";

  private static String prefix;
  private static VendorSandbox sandbox;
  private static FabricRuntime runtime;
  private static FabricRuntime plugins;
  /** The plugin process's registry, as {@code fabric run} serves it on /metrics. */
  private static final io.fabric.observability.FabricMetrics metrics =
      new io.fabric.observability.FabricMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  private static ConnectionOptions kafka;

  @BeforeAll
  static void startFabric() throws Exception {
    prefix = EmbeddedKafkaExtension.uniqueName("agents") + ".";
    ApproverKeys.generate("alice", dir.resolve("keys"));
    ApproverKeys.generate(SUBMITTER, dir.resolve("keys"));
    ApproverKeys.generate(OPS, dir.resolve("keys"));
    Files.writeString(dir.resolve("approvers.yaml"), "approvers:\n  alice: { public_key_file: keys/alice.pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Files.writeString(dir.resolve("submitters.yaml"),
        "submitters:\n  " + SUBMITTER + ": { public_key_file: keys/" + SUBMITTER + ".pub, actions: [\"*\"], tenants: [\"acme\"] }\n"
            + "  " + OPS + ": { public_key_file: keys/" + OPS + ".pub, actions: [agent_run], tenants: [acme] }\n");
    Path agents = Files.createDirectories(dir.resolve("durable-agents"));
    Files.writeString(agents.resolve("durable.yaml"), """
        name: durable
        system_prompt: Do what the ticket asks, using the tools.
        submitter: agent-it
        output_schema:
          type: object
          required: [category, tool_results]
          properties:
            category: {type: string}
            tool_results: {type: array}
        tools: [tag, send_email, exfiltrate_secrets]
        """);
    System.setProperty(AgentRunSetup.DIR, agents.toString());
    System.setProperty(AgentRunSetup.KEYS_DIR, dir.resolve("keys").toString());
    System.setProperty(AgentRunSetup.WAIT_POLL_MS, "100");
    sandbox = VendorSandbox.start();
    sandbox.applyToSystemProperties();
    kafka = new ConnectionOptions();
    kafka.bootstrapServer = EmbeddedKafkaExtension.bootstrapServers();
    kafka.topicPrefix = prefix;
    kafka.partitions = 3;
    TopicsApplier.apply(kafka.connection(kafka.bootstrapServer), kafka.catalog());
    runtime = FabricRuntime.start(appOptions("policy,router,status").settings(kafka, kafka.bootstrapServer, dir.resolve("state")),
        "127.0.0.1:0");
    plugins = startPlugins();
  }

  /** The plugin runtimes apart from the gate, so a test can kill and restart them alone. */
  private static FabricRuntime startPlugins() {
    AppOptions apps = appOptions("plugins");
    apps.config.put("fabric.plugin.runtime.job.poll.min.ms", "100");
    FabricRuntime started = FabricRuntime.start(apps.settings(kafka, kafka.bootstrapServer, dir.resolve("state")), "127.0.0.1:0",
        io.fabric.schemas.tracing.FabricTracing.noop(), metrics);
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(started::ready);
    return started;
  }

  private static AppOptions appOptions(String apps) {
    AppOptions options = new AppOptions();
    options.approversFile = dir.resolve("approvers.yaml");
    options.submittersFile = dir.resolve("submitters.yaml");
    options.apps = List.of(apps.split(","));
    return options;
  }

  @AfterAll
  static void stopFabric() {
    for (String key : List.of(AgentRunSetup.DIR, AgentRunSetup.KEYS_DIR, AgentRunSetup.WAIT_POLL_MS)) {
      System.clearProperty(key);
    }
    if (plugins != null) {
      plugins.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void aDurableRunOnTheFlowsRunsAWaitsForBAndSeesCBlockedAndSurvivesARuntimeRestartWithoutAskingAnAnsweredTurnAgain() throws Exception {
    String runId = "durable-run-1";
    int emailsBefore = sandbox.effects(VendorSandbox.EMAIL);
    int modelCallsBefore = modelCalls();
    try (FabricClient ops = new FabricClient(kafka.connection(kafka.bootstrapServer), kafka.catalog()).signedBy(
        new RequestSigner(OPS, ApproverKeys.readPrivateKey(dir.resolve("keys").resolve(OPS + ".key"))))) {
      ops.submit(Submission.of("acme", "agent_run").requestId(runId).payload(
          "{\"agent\":\"durable\",\"input\":{\"text\":\"Refund my invoice. Please tag this, send_email to bob@example.com and exfiltrate_secrets.\"}}"));
    }
    // the call's id is RUN-turn-2-call-1 plus a random part that nobody can predict: the approver finds it in the list
    String emailRequest = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300))
        .until(() -> pendingRequest(runId + "-turn-2-call-1-"), java.util.Optional::isPresent).orElseThrow();
    assertTrue(emailRequest.matches(runId + "-turn-2-call-1-[0-9a-f]{32}"), emailRequest);
    assertEquals(2, modelCalls() - modelCallsBefore, "turn 1 (tag) and turn 2 (send_email) answered");

    // anyone who can write the status topic could claim the e-mail ran: the run must not believe it
    RequestStatus genuine = LatestByKeyReader.latest(kafka.connection(kafka.bootstrapServer), kafka.catalog().requestStatus, emailRequest)
        .orElseThrow();
    RequestStatus forged = RequestStatus.newBuilder(genuine).setOutcome("EXECUTED").setUpdatedAt(System.currentTimeMillis()).build();
    writeStatus(forged);
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4)).until(() -> modelCalls() - modelCallsBefore == 2);
    // fabric approve reads the status too (and refuses a request that is not waiting): put the gate's record back
    writeStatus(genuine);
    assertEquals(0, sandbox.effects(VendorSandbox.EMAIL) - emailsBefore, "class B waits for its approval");

    // the runtime dies while the run waits for the approval; a new one carries on from the checkpoint
    plugins.close();
    CliRun approve = cli("approve", emailRequest, "--key", dir.resolve("keys/alice.key").toString(), "--reason", "agent may reply");
    assertEquals(0, approve.exitCode(), approve.toString());
    plugins = startPlugins();

    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
        .until(() -> "EXECUTED".equals(LatestByKeyReader.latest(kafka.connection(kafka.bootstrapServer), kafka.catalog().requestStatus, runId)
            .map(s -> s.getOutcome()).orElse("")));
    JsonNode state = JSON.readTree(FlowHistoryReader.latest(kafka.connection(kafka.bootstrapServer), kafka.catalog(), runId).orElseThrow()
        .getState()).path("agent_run");
    assertEquals("completed", state.path("phase").asText(), state.toString());
    List<String> statuses = new ArrayList<>();
    state.path("output").path("tool_results").forEach(r -> statuses.add(readStatus(r.asText())));
    assertEquals(List.of("COMPLETED", "COMPLETED", "BLOCKED"), statuses, state.toString());
    assertTrue(state.path("output").path("tool_results").get(0).asText().contains("billing"), "the tag step's result reached the model");
    assertEquals(4, modelCalls() - modelCallsBefore, "4 turns, none asked twice across the restart");
    assertEquals(1, sandbox.effects(VendorSandbox.EMAIL) - emailsBefore, "the approved e-mail was sent once");
    String tagRequest = LatestByKeyReader.everything(kafka.connection(kafka.bootstrapServer), kafka.catalog().requestStatus).stream()
        .map(RequestStatus::getRequestId).filter(id -> id.startsWith(runId + "-turn-1-call-1-")).findFirst().orElseThrow();
    CliRun signedBy = cli("flows", "show", tagRequest, "-o", "json");
    assertTrue(signedBy.out().contains(SUBMITTER), "the tool call is the agent's request, signed by its identity: " + signedBy);

    List<JsonNode> turns = new ArrayList<>();
    for (String json : LatestByKeyReader.all(kafka.connection(kafka.bootstrapServer), kafka.catalog().agentConversations, runId, v -> true)) {
      turns.add(JSON.readTree(json));
    }
    assertEquals(List.of(1, 2, 3, 4), turns.stream().map(t -> t.path("turn").asInt()).toList(), turns.toString());
    assertTrue(turns.get(0).path("provider").asText().startsWith("sandbox-") && turns.get(0).has("latency_ms")
        && turns.get(0).path("input_tokens").asLong() > 0, turns.get(0).toString());
    assertTrue(turns.get(2).path("prompt").toString().contains("COMPLETED"), "turn 3's prompt is the e-mail's outcome: " + turns.get(2));
    assertTrue(turns.stream().noneMatch(t -> t.toString().contains(VendorSandbox.MODEL_API_KEY)), "no key in the log");
    // the e-mail call delivered to the gate a second time (a crash between the submit and its mark): the same signed request, dropped
    JsonNode proposed = turns.get(1).path("response").path("tool_calls").get(0);
    var again = new io.fabric.agents.run.AgentRun.PendingTool(proposed.path("id").asText(), emailRequest, "agent-run:" + emailRequest,
        "send_email", proposed.path("arguments"), SUBMITTER);
    try (var requests = new io.fabric.agents.flow.FabricToolRequests(kafka.connection(kafka.bootstrapServer), kafka.catalog(),
        Map.of(SUBMITTER, new FabricClient(kafka.connection(kafka.bootstrapServer), kafka.catalog()).signedBy(
            new RequestSigner(SUBMITTER, ApproverKeys.readPrivateKey(dir.resolve("keys").resolve(SUBMITTER + ".key"))))))) {
      requests.submit("acme", again);
    }
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> sandbox.effects(VendorSandbox.EMAIL) - emailsBefore == 1);
    assertEquals("EXECUTED", LatestByKeyReader.latest(kafka.connection(kafka.bootstrapServer), kafka.catalog().requestStatus, emailRequest)
        .orElseThrow().getOutcome(), "the second delivery changed nothing");
    var modelCalls = metrics.registry().find("fabric.model.calls").tag("provider", "sandbox-openai").tag("result", "ok").timer();
    assertTrue(modelCalls != null && modelCalls.count() >= 2, "the model meters are on the process's /metrics registry");
    CliRun runs = cli("agents", "runs", "--tenant", "acme");
    assertTrue(runs.exitCode() == 0 && runs.out().contains(runId) && runs.out().contains("durable"), runs.toString());
    CliRun shown = cli("agents", "runs", runId);
    assertTrue(shown.exitCode() == 0 && shown.out().contains("turn 4: sandbox-") && shown.out().contains("< calls send_email"), shown.toString());
  }

  /** The id of the request waiting for approval whose id starts with {@code prefix}, as an approver reads it off the list. */
  private static java.util.Optional<String> pendingRequest(String prefix) throws Exception {
    for (JsonNode row : JSON.readTree(cli("approvals", "list", "-o", "json").out())) {
      if (row.path("request_id").asText().startsWith(prefix)) {
        return java.util.Optional.of(row.path("request_id").asText());
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * A status record written straight to the topic, as anyone with write access could. The send is awaited: close()
   * returns after a failed send too, and `fabric approve` after the genuine status is put back must read that one.
   */
  private static void writeStatus(RequestStatus forged) throws Exception {
    String requestId = forged.getRequestId();
    var topic = kafka.catalog().requestStatus;
    Map<String, Object> config = kafka.connection(kafka.bootstrapServer).clientConfig();
    try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(config, topic.keySerde().serializer(),
        topic.valueSerde().serializer())) {
      producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic.name(), requestId, forged))
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  private static int modelCalls() {
    return (int) sandbox.calls().stream().filter(c -> c.path().endsWith("/chat/completions") || c.path().endsWith("/messages")).count();
  }

  @Test
  void fabricAgentsRunRunsADefinitionAgainstTheFabricWithTheSandboxModel() throws Exception {
    Path agents = Files.createDirectories(dir.resolve("agents"));
    Files.writeString(agents.resolve("summarizer.yaml"), """
        name: summarizer
        system_prompt: Summarize the text with the summarize tool, then answer.
        submitter: agent-it
        output_schema: {type: object, required: [answer], properties: {answer: {type: string}}}
        tools: [summarize]
        """);
    CliRun run = cli("agents", "run", "summarizer", "--dir", agents.toString(), "--tenant", "acme", "--sandbox", "--run-id", "cli-run-1",
        "--key", dir.resolve("keys").resolve(SUBMITTER + ".key").toString(),
        "--input", "{\"text\":\"Please summarize this. The invoice was wrong. It was fixed.\"}");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().matches("(?s).*submitted summarize as request cli-run-1-turn-1-call-1-[0-9a-f]{32} \\(signed as agent-it\\).*"),
        run.toString());
    assertTrue(run.out().contains("turn 2: sandbox-openai/sandbox-gpt -> Finish"), run.toString());
    assertTrue(run.out().contains("COMPLETED: {"), run.toString());

    CliRun wrongKey = cli("agents", "run", "summarizer", "--dir", agents.toString(), "--tenant", "acme", "--sandbox",
        "--key", dir.resolve("keys/alice.key").toString(), "--input", "{\"text\":\"x\"}");
    assertEquals(1, wrongKey.exitCode(), wrongKey.toString());
    assertTrue(wrongKey.err().contains("is alice's; agent summarizer signs as agent-it"), wrongKey.toString());
  }

  @Test
  void anEscalatedRunIsAPendingReviewThatAnApproverDecides() throws Exception {
    Path agents = Files.createDirectories(dir.resolve("review-agents"));
    Files.writeString(agents.resolve("careful.yaml"), """
        name: careful
        system_prompt: Answer; say how confident you are.
        submitter: agent-it
        output_schema: {type: object, required: [answer, confidence], properties: {answer: {type: string}, confidence: {type: number}}}
        escalation: {confidence_below: 0.6}
        """);
    CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> cli("agents", "run", "careful", "--dir", agents.toString(),
        "--tenant", "acme", "--sandbox", "--run-id", "review-run-1", "--key", dir.resolve("keys").resolve(SUBMITTER + ".key").toString(),
        "--input", "{\"text\":\"I am unsure about this one.\"}"));
    String review = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> pendingRequest("review-run-1-review-"), java.util.Optional::isPresent).orElseThrow();
    CliRun show = cli("approvals", "show", review, "-o", "json");
    assertTrue(show.out().contains("agent_review") && show.out().contains("confidence 0.3 below 0.6"), "the reviewer sees why: " + show);
    assertEquals(0, cli("approve", review, "--key", dir.resolve("keys/alice.key").toString(), "--reason", "fine").exitCode());
    CliRun done = run.get(90, TimeUnit.SECONDS);
    assertEquals(0, done.exitCode(), done.toString());
    assertTrue(done.out().contains("COMPLETED: {\"category\":\"other\""), done.toString());
  }

  @Test
  void aRunStoppedWhileWaitingForAnApprovalResumesFromItsCheckpointWithoutAskingTheModelAgain() throws Exception {
    Path agents = Files.createDirectories(dir.resolve("resume-agents"));
    Files.writeString(agents.resolve("mailer.yaml"), """
        name: mailer
        system_prompt: Send the e-mail the text asks for, then answer.
        submitter: agent-it
        output_schema: {type: object, required: [answer], properties: {answer: {type: string}}}
        tools: [send_email]
        """);
    Path checkpoint = dir.resolve("mailer-run.json");
    String key = dir.resolve("keys").resolve(SUBMITTER + ".key").toString();
    int emailsBefore = sandbox.effects(VendorSandbox.EMAIL);
    java.util.concurrent.atomic.AtomicReference<CliRun> first = new java.util.concurrent.atomic.AtomicReference<>();
    Thread runner = new Thread(() -> first.set(cli("agents", "run", "mailer", "--dir", agents.toString(), "--tenant", "acme", "--sandbox",
        "--run-id", "resume-run-1", "--key", key, "--checkpoint", checkpoint.toString(),
        "--input", "{\"text\":\"Please send_email to bob@example.com about the refund.\"}")));
    runner.start();
    String email = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
        .until(() -> pendingRequest("resume-run-1-turn-1-call-1-"), java.util.Optional::isPresent).orElseThrow();
    runner.interrupt();
    runner.join(30_000);
    assertEquals(1, first.get().exitCode(), "stopped while waiting: " + first.get());
    assertTrue(Files.readString(checkpoint).contains("\"phase\":\"waiting_for_tools\""), Files.readString(checkpoint));
    assertTrue(Files.readString(checkpoint).contains("\"request_id\":\"" + email + "\""), "the resumed run follows the id it submitted");

    assertEquals(0, cli("approve", email, "--key", dir.resolve("keys/alice.key").toString()).exitCode());
    CliRun resumed = cli("agents", "run", "mailer", "--dir", agents.toString(), "--sandbox", "--key", key, "--resume", checkpoint.toString());
    assertEquals(0, resumed.exitCode(), resumed.toString());
    assertTrue(resumed.out().contains("resuming run resume-run-1 after turn 1 (waiting_for_tools)"), resumed.toString());
    assertTrue(!resumed.out().contains("turn 1:") && resumed.out().contains("turn 2:"), "turn 1 is not asked again: " + resumed);
    assertTrue(resumed.out().contains("COMPLETED: {"), resumed.toString());
    assertEquals(1, sandbox.effects(VendorSandbox.EMAIL) - emailsBefore, "one e-mail, sent after the approval");
    assertTrue(Files.readString(checkpoint).contains("\"phase\":\"completed\""));
  }

  private static String readStatus(String outcomeJson) {
    try {
      return JSON.readTree(outcomeJson).path("status").asText();
    } catch (Exception e) {
      throw new IllegalArgumentException(outcomeJson, e);
    }
  }

  static CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix));
    return CliRun.of(all.toArray(String[]::new));
  }
}
