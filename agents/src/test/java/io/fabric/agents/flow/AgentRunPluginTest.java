package io.fabric.agents.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.router.ModelMetrics;
import io.fabric.agents.router.ModelProviders;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.RetryPolicy;
import io.fabric.agents.run.AgentRun;
import io.fabric.agents.run.FabricActionTools;
import io.fabric.agents.run.ToolGate;
import io.fabric.agents.run.TurnDecider;
import io.fabric.plugins.spi.LongRunningJobs.Job;
import io.fabric.plugins.spi.LongRunningJobs.JobStatus;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.policy.Policy;
import io.fabric.sandbox.VendorSandbox;
import java.net.http.HttpClient;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The durable run's polls, one step each, against the sandbox's model and a recording tool gate: a turn is
 * answered and handed back to be checkpointed before any of its calls is submitted; a call is submitted once
 * per checkpoint; waiting asks no model; the run's end is the step's result.
 */
class AgentRunPluginTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static VendorSandbox sandbox;
  private static AgentDefinition agent;

  private final List<String> submitted = new ArrayList<>();
  private final Map<String, ToolGate.Outcome> outcomes = new HashMap<>();

  @BeforeAll
  static void start() {
    sandbox = VendorSandbox.start();
    agent = AgentDefinitions.parse("""
        name: mailer
        system_prompt: Send the e-mail the text asks for, then answer.
        submitter: agent-it
        input_schema: {type: object, required: [text], properties: {text: {type: string}}}
        output_schema: {type: object, required: [answer], properties: {answer: {type: string}}}
        tools: [send_email]
        """).definition().orElseThrow();
  }

  @AfterAll
  static void stop() {
    sandbox.close();
  }

  private AgentRunPlugin plugin() {
    var settings = ModelProviders.from(sandbox.systemProperties());
    ModelRouter router = new ModelRouter(ModelProviders.configs(settings).stream().map(c -> c.provider(HttpClient.newHttpClient())).toList(),
        ModelProviders.rules(settings), RetryPolicy.DEFAULT, d -> { }, System::nanoTime, () -> 0.5, ModelMetrics.inMemory());
    ToolRequests tools = new ToolRequests() {
      @Override
      public void submit(String tenant, AgentRun.PendingTool tool) {
        submitted.add(tool.requestId() + " " + tool.submitter() + " " + tool.action());
      }

      @Override
      public Optional<ToolGate.Outcome> outcome(String tenant, AgentRun.PendingTool tool) {
        return Optional.ofNullable(outcomes.get(tool.requestId()));
      }
    };
    return AgentRunPlugin.configured(new AgentRunPlugin.Setup(name -> name.equals("mailer") ? Optional.of(agent) : Optional.empty(),
        router, new TurnDecider(Policy.defaults()), tools, FabricActionTools.SPECS, List.of(VendorSandbox.MODEL_API_KEY),
        Duration.ofMillis(100), Duration.ofHours(1), Duration.ofSeconds(30)));
  }

  private static TaskContext context(String requestId) {
    return new TaskContext(requestId, requestId, requestId, AgentRunPlugin.ACTION, 1, false, Map.of(), null);
  }

  private static int modelCalls() {
    return (int) sandbox.calls().stream().filter(c -> c.path().endsWith("/chat/completions") || c.path().endsWith("/messages")).count();
  }

  @Test
  void eachPollIsOneCheckpointedStepAndACallIsSubmittedOnlyAfterItsTurnWasCheckpointed() throws Exception {
    AgentRunPlugin plugin = plugin();
    var started = plugin.startJob("acme", Map.of("agent", "mailer", "input", Map.of("text", "Please send_email to bob@example.com.")),
        context("run-1"));
    assertEquals("run-1", started.jobId());
    int calls = modelCalls();

    var turn1 = assertInstanceOf(JobStatus.Progressed.class, plugin.pollJob("acme", job(started.details()), context("run-1")));
    assertEquals(1, modelCalls() - calls);
    assertEquals(List.of(), submitted, "nothing is submitted before the turn that proposed it is checkpointed");
    assertEquals(1, turn1.events().size());
    assertTrue(turn1.events().get(0).json().contains("\"turn\":1") && !turn1.events().get(0).json().contains(VendorSandbox.MODEL_API_KEY));

    String callId = callOf(turn1.details()).requestId();
    assertTrue(callId.matches("run-1-turn-1-call-1-[0-9a-f]{32}"), "chosen with the turn, kept in its checkpoint: " + callId);
    var submit = assertInstanceOf(JobStatus.Progressed.class, plugin.pollJob("acme", job(turn1.details()), context("run-1")));
    assertEquals(List.of(callId + " agent-it send_email"), submitted);
    assertTrue(submit.events().isEmpty());

    var waiting = plugin.pollJob("acme", job(submit.details()), context("run-1"));
    assertEquals(new JobStatus.Running(Duration.ofMillis(100)), waiting, "waiting for the approval holds nothing and asks no model");
    assertEquals(1, submitted.size(), "submitted once per checkpoint");
    assertEquals(1, modelCalls() - calls);

    outcomes.put(callId, new ToolGate.Outcome("COMPLETED", JSON.readTree("{\"message_id\":\"m-1\"}"), ""));
    var fed = assertInstanceOf(JobStatus.Progressed.class, plugin.pollJob("acme", job(submit.details()), context("run-1")));
    var turn2 = assertInstanceOf(JobStatus.Progressed.class, plugin.pollJob("acme", job(fed.details()), context("run-1")));
    assertEquals(2, modelCalls() - calls);
    assertTrue(turn2.events().get(0).json().contains("m-1"), "turn 2's prompt is the call's outcome: " + turn2.events().get(0).json());

    var done = assertInstanceOf(JobStatus.Succeeded.class, plugin.pollJob("acme", job(turn2.details()), context("run-1")));
    assertEquals("completed", ((Map<?, ?>) done.result().get("agent_run")).get("phase"));
    assertEquals(2, modelCalls() - calls, "a finished run asks no model");
  }

  @Test
  void anUnknownAgentOrInputAgainstItsSchemaFailsTheStartAndAnUnconfiguredPluginSaysWhatToConfigure() {
    AgentRunPlugin plugin = plugin();
    var unknown = assertThrows(PermanentTaskException.class, () -> plugin.startJob("acme", Map.of("agent", "nope"), context("r")));
    assertTrue(unknown.getMessage().contains("no agent 'nope'"), unknown.getMessage());
    var invalid = assertThrows(PermanentTaskException.class, () -> plugin.startJob("acme", Map.of("agent", "mailer", "input", Map.of()),
        context("r")));
    assertTrue(invalid.getMessage().contains("input does not match"), invalid.getMessage());
    var off = assertThrows(PermanentTaskException.class, () -> new AgentRunPlugin().startJob("acme", Map.of("agent", "mailer"), context("r")));
    assertTrue(off.getMessage().contains("FABRIC_AGENTS_PROVIDERS"), off.getMessage());
  }

  @Test
  void aCallSubmittedAgainFromTheSameCheckpointIsTheSameRequest() throws Exception {
    AgentRunPlugin plugin = plugin();
    var started = plugin.startJob("acme", Map.of("agent", "mailer", "input", Map.of("text", "Please send_email to bob@example.com.")),
        context("run-1"));
    var turn1 = assertInstanceOf(JobStatus.Progressed.class, plugin.pollJob("acme", job(started.details()), context("run-1")));

    // the runtime crashed after the submit, before it committed the mark: the next runtime polls the same checkpoint again
    plugin.pollJob("acme", job(turn1.details()), context("run-1"));
    AgentRunPlugin restarted = plugin();
    restarted.pollJob("acme", job(JSON.convertValue(JSON.valueToTree(turn1.details()), Map.class)), context("run-1"));

    assertEquals(2, submitted.size());
    assertEquals(submitted.get(0), submitted.get(1), "the same request id both times, so the gate drops the second");
    assertEquals(callOf(turn1.details()).requestId() + " agent-it send_email", submitted.get(0));
  }

  @Test
  void aRunCheckpointedByThePreviousVersionKeepsFollowingItsCallUnderItsOldId() throws Exception {
    AgentRunPlugin plugin = plugin();
    var started = plugin.startJob("acme", Map.of("agent", "mailer", "input", Map.of("text", "Please send_email to bob@example.com.")),
        context("run-1"));
    var turn1 = assertInstanceOf(JobStatus.Progressed.class, plugin.pollJob("acme", job(started.details()), context("run-1")));
    // the same checkpoint as the previous version wrote it: the call's ids derived from the run id, already submitted
    var run = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.valueToTree(turn1.details().get("run"));
    ((com.fasterxml.jackson.databind.node.ObjectNode) run.path("pending_tools").get(0)).put("request_id", "run-1-turn-1-call-1")
        .put("idempotency_key", "agent-run:run-1-turn-1-call-1");
    Map<String, Object> old = Map.of("run", JSON.convertValue(run, Map.class), "submitted", List.of("run-1-turn-1-call-1"));

    assertEquals(new JobStatus.Running(Duration.ofMillis(100)), plugin.pollJob("acme", job(old), context("run-1")));
    assertEquals(List.of(), submitted, "already submitted under its old id: not submitted again under another");
    outcomes.put("run-1-turn-1-call-1", new ToolGate.Outcome("COMPLETED", JSON.readTree("{\"message_id\":\"m-1\"}"), ""));
    var fed = assertInstanceOf(JobStatus.Progressed.class, plugin.pollJob("acme", job(old), context("run-1")));
    assertEquals("needs_model_turn", ((Map<?, ?>) fed.details().get("run")).get("phase"));
  }

  private static AgentRun.PendingTool callOf(Map<String, Object> details) {
    return AgentRun.fromJson(JSON.valueToTree(details.get("run"))).pendingTools().get(0);
  }

  private static Job job(Map<String, Object> details) {
    return new Job("run-1", AgentRunPlugin.ACTION, Instant.EPOCH, details);
  }
}
