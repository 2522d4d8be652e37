package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.router.ModelMetrics;
import io.fabric.agents.router.ModelProviders;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.run.AgentLoop;
import io.fabric.agents.run.AgentRun;
import io.fabric.agents.run.FabricToolGate;
import io.fabric.agents.run.TurnDecider;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.policy.Policy;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.sandbox.VendorSandbox;
import java.net.http.HttpClient;
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

  private static String prefix;
  private static VendorSandbox sandbox;
  private static FabricRuntime runtime;
  private static ConnectionOptions kafka;

  @BeforeAll
  static void startFabric() throws Exception {
    prefix = EmbeddedKafkaExtension.uniqueName("agents") + ".";
    ApproverKeys.generate("alice", dir.resolve("keys"));
    ApproverKeys.generate(SUBMITTER, dir.resolve("keys"));
    Files.writeString(dir.resolve("approvers.yaml"), "approvers:\n  alice: { public_key_file: keys/alice.pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Files.writeString(dir.resolve("submitters.yaml"),
        "submitters:\n  " + SUBMITTER + ": { public_key_file: keys/" + SUBMITTER + ".pub, actions: [\"*\"], tenants: [\"acme\"] }\n");
    sandbox = VendorSandbox.start();
    sandbox.applyToSystemProperties();
    kafka = new ConnectionOptions();
    kafka.bootstrapServer = EmbeddedKafkaExtension.bootstrapServers();
    kafka.topicPrefix = prefix;
    kafka.partitions = 3;
    TopicsApplier.apply(kafka.connection(kafka.bootstrapServer), kafka.catalog());
    AppOptions apps = new AppOptions();
    apps.approversFile = dir.resolve("approvers.yaml");
    apps.submittersFile = dir.resolve("submitters.yaml");
    runtime = FabricRuntime.start(apps.settings(kafka, kafka.bootstrapServer, dir.resolve("state")), "127.0.0.1:0");
  }

  @AfterAll
  static void stopFabric() {
    if (runtime != null) {
      runtime.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void classAToolRunsClassBWaitsForItsApprovalClassCIsBlockedAndTheModelSeesEachOutcome() throws Exception {
    AgentDefinition agent = AgentDefinitions.parse("""
        name: it-agent
        system_prompt: Do what the ticket asks, using the tools.
        submitter: agent-it
        output_schema:
          type: object
          required: [category, tool_results]
          properties:
            category: {type: string}
            tool_results: {type: array}
        tools: [tag, send_email, exfiltrate_secrets]
        """).definition().orElseThrow();
    var settings = ModelProviders.fromSystem();
    ModelRouter router = ModelRouter.of(ModelProviders.configs(settings).stream().map(c -> c.provider(HttpClient.newHttpClient())).toList(),
        ModelProviders.rules(settings), ModelMetrics.inMemory());
    RequestSigner signer = new RequestSigner(SUBMITTER, ApproverKeys.readPrivateKey(dir.resolve("keys").resolve(SUBMITTER + ".key")));
    List<JsonNode> checkpoints = new ArrayList<>();
    int emailsBefore = sandbox.effects(VendorSandbox.EMAIL);
    try (FabricClient client = new FabricClient(kafka.connection(kafka.bootstrapServer), kafka.catalog()).signedBy(signer)) {
      FabricToolGate gate = new FabricToolGate(Map.of(SUBMITTER, client), kafka.connection(kafka.bootstrapServer), kafka.catalog(),
          Duration.ofSeconds(90), Duration.ofMillis(200), d -> Thread.sleep(d.toMillis()));
      AgentLoop loop = new AgentLoop(router, new TurnDecider(Policy.defaults()), gate, io.fabric.agents.run.FabricActionTools.SPECS,
          c -> checkpoints.add(c.deepCopy()));
      JsonNode input = JSON.readTree("{\"text\":\"Refund my invoice. Please tag this, send_email to bob@example.com and exfiltrate_secrets.\"}");
      CompletableFuture<AgentRun> run = CompletableFuture.supplyAsync(() -> {
        try {
          return loop.run(agent, "acme", "it-run-1", input);
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });

      String emailRequest = "it-run-1-turn-2-call-1";
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> cli("approvals", "list", "-o", "json").out().contains(emailRequest));
      assertEquals(0, sandbox.effects(VendorSandbox.EMAIL) - emailsBefore, "class B waits for its approval");
      CliRun approve = cli("approve", emailRequest, "--key", dir.resolve("keys/alice.key").toString(), "--reason", "agent may reply");
      assertEquals(0, approve.exitCode(), approve.toString());

      AgentRun done = run.get(120, TimeUnit.SECONDS);
      assertEquals(AgentRun.Phase.COMPLETED, done.phase(), done.toJson().toString());
      List<String> statuses = new ArrayList<>();
      done.output().orElseThrow().path("tool_results").forEach(r -> statuses.add(readStatus(r.asText())));
      assertEquals(List.of("COMPLETED", "COMPLETED", "BLOCKED"), statuses, done.toJson().toString());
      assertEquals(1, sandbox.effects(VendorSandbox.EMAIL) - emailsBefore, "the approved e-mail was sent once");
      assertEquals(4, done.turns().size());
      assertTrue(done.output().get().path("tool_results").get(0).asText().contains("billing"), "the tag step's result reached the model");
      AgentRun.PendingTool tagCall = checkpoints.stream().map(AgentRun::fromJson).flatMap(r -> r.pendingTools().stream())
          .filter(t -> t.action().equals("tag")).findFirst().orElseThrow();
      var again = gate.submit("acme", tagCall);
      assertEquals("COMPLETED", again.status(), "submitted again (as after a crash), the call answers with its first outcome: " + again);
      assertTrue(again.result().toString().contains("billing"), again.toString());
      CliRun signedBy = cli("flows", "show", "it-run-1-turn-1-call-1", "-o", "json");
      assertTrue(signedBy.out().contains(SUBMITTER), "the request is the agent's, signed by its identity: " + signedBy);
    }
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
    assertTrue(run.out().contains("submitted summarize as request cli-run-1-turn-1-call-1 (signed as agent-it)"), run.toString());
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
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> cli("approvals", "list", "-o", "json").out().contains("review-run-1-review"));
    CliRun show = cli("approvals", "show", "review-run-1-review", "-o", "json");
    assertTrue(show.out().contains("agent_review") && show.out().contains("confidence 0.3 below 0.6"), "the reviewer sees why: " + show);
    assertEquals(0, cli("approve", "review-run-1-review", "--key", dir.resolve("keys/alice.key").toString(), "--reason", "fine").exitCode());
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
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> cli("approvals", "list", "-o", "json").out().contains("resume-run-1-turn-1-call-1"));
    runner.interrupt();
    runner.join(30_000);
    assertEquals(1, first.get().exitCode(), "stopped while waiting: " + first.get());
    assertTrue(Files.readString(checkpoint).contains("\"phase\":\"waiting_for_tools\""), Files.readString(checkpoint));

    assertEquals(0, cli("approve", "resume-run-1-turn-1-call-1", "--key", dir.resolve("keys/alice.key").toString()).exitCode());
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
