package io.fabric.agents.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.model.ToolSpec;
import io.fabric.agents.router.ModelMetrics;
import io.fabric.agents.router.ModelProviders;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.RetryPolicy;
import io.fabric.agents.router.RoutingRules;
import io.fabric.policy.Policy;
import io.fabric.sandbox.VendorSandbox;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shipped example agent, driven by the sandbox's deterministic model over each wire format,
 * configured exactly as {@code --sandbox} configures it ({@link VendorSandbox#systemProperties()}).
 */
class AgentLoopSandboxTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static VendorSandbox sandbox;
  private static AgentDefinition triage;

  private final List<String> submitted = new ArrayList<>();
  private final List<ObjectNode> checkpoints = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    sandbox = VendorSandbox.start();
    triage = AgentDefinitions.read(Path.of("../examples/agents/ticket-triage.yaml")).definition().orElseThrow();
  }

  @AfterAll
  static void stop() {
    sandbox.close();
  }

  /** A gate that records what was submitted and answers like the fabric would: tag runs, send_email is approved and runs. */
  private ToolGate.Outcome gate(String tenant, AgentRun.PendingTool call) {
    submitted.add(call.submitter() + " " + tenant + " " + call.action() + " " + call.payload());
    JsonNode result = call.action().equals("tag") ? JSON.createObjectNode().set("tags", JSON.createArrayNode().add("billing"))
        : JSON.createObjectNode().put("message_id", "m-1");
    return new ToolGate.Outcome("COMPLETED", result, "");
  }

  private AgentLoop loop(String routes) {
    Map<String, String> settings = new HashMap<>(sandbox.systemProperties());
    settings.put(ModelProviders.ROUTES, routes);
    var function = ModelProviders.from(settings);
    ModelRouter router = new ModelRouter(ModelProviders.configs(function).stream().map(c -> c.provider(HttpClient.newHttpClient())).toList(),
        ModelProviders.rules(function), RetryPolicy.DEFAULT, d -> { }, System::nanoTime, () -> 0.5, ModelMetrics.inMemory());
    ToolSpec email = new ToolSpec("send_email", "Send an e-mail", jsonOf(
        "{\"type\":\"object\",\"required\":[\"to\",\"subject\",\"body\"],\"properties\":{\"to\":{\"type\":\"string\"},"
            + "\"subject\":{\"type\":\"string\"},\"body\":{\"type\":\"string\"}}}"));
    return new AgentLoop(router, new TurnDecider(Policy.defaults()), this::gate, Map.of("send_email", email), checkpoints::add);
  }

  private static JsonNode jsonOf(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"sandbox-openai", "sandbox-anthropic"})
  void aToolCallingRunCompletesOverEitherWireFormat(String provider) throws Exception {
    AgentRun result = loop("*@*=" + provider).run(triage, "acme", "run-1",
        jsonOf("{\"text\":\"I was charged twice on my invoice. Please tag this and send_email to bob@example.com.\"}"));
    assertEquals(AgentRun.Phase.COMPLETED, result.phase(), result.toString());
    assertEquals(List.of("acme tag", "acme send_email"), submitted.stream().map(s -> s.split(" ")[1] + " " + s.split(" ")[2]).toList());
    assertTrue(submitted.get(1).startsWith("agent-ticket-triage acme send_email {\"to\":\"bob@example.com\",\"subject\":\"Re: I was charged"),
        submitted.get(1));
    JsonNode output = result.output().orElseThrow();
    assertEquals("billing", output.path("category").asText());
    assertEquals(2, output.path("tool_results").size(), "the model saw both outcomes: " + output);
    assertEquals(3, result.turns().size());
    assertTrue(result.turns().stream().allMatch(t -> t.provider().equals(provider) && t.inputTokens() > 0), result.turns().toString());
  }

  @Test
  void anUnsureAnswerIsEscalatedWithItsDraft() throws Exception {
    AgentRun result = loop("").run(triage, "acme", "run-1", jsonOf("{\"text\":\"I am unsure whether my login works.\"}"));
    assertEquals(AgentRun.Phase.ESCALATED, result.phase(), result.toString());
    assertEquals("confidence 0.3 below 0.6", result.reason());
    assertTrue(result.draft().contains("\"category\":\"account\""), result.draft());
    assertEquals("sandbox-openai", result.turns().get(0).provider(), "the agent's preferred providers are not configured: default order");
  }

  @Test
  void outputThatKeepsFailingItsSchemaIsRetriedThenEscalated() throws Exception {
    AgentRun result = loop("").run(triage, "acme", "run-1", jsonOf("{\"text\":\"sandbox:invalid please\"}"));
    assertEquals(AgentRun.Phase.ESCALATED, result.phase(), result.toString());
    assertEquals(3, result.turns().size(), "max_validation_failures 2: two answers sent back, the third escalates");
    assertTrue(result.reason().startsWith("output failed its schema 3 time(s)"), result.reason());
    assertEquals(List.of(), submitted);
  }

  @Test
  void inputBreakingTheInputSchemaNeverReachesAModel() throws Exception {
    int before = sandbox.calls(VendorSandbox.MODEL).size();
    AgentRun result = loop("").run(triage, "acme", "run-1", jsonOf("{\"txt\":\"typo\"}"));
    assertEquals(AgentRun.Phase.INVALID_INPUT, result.phase());
    assertEquals(before, sandbox.calls(VendorSandbox.MODEL).size());
  }

  @Test
  void theSandboxRefusesAWrongKeyAsEachProviderWould() throws Exception {
    Map<String, String> settings = new HashMap<>(sandbox.systemProperties());
    settings.put(ModelProviders.key("sandbox-openai", "api_key"), "wrong");
    var router = new ModelRouter(ModelProviders.configs(ModelProviders.from(settings)).stream()
        .map(c -> c.provider(HttpClient.newHttpClient())).toList(), RoutingRules.NONE, RetryPolicy.DEFAULT, d -> { }, System::nanoTime,
        () -> 0.5, ModelMetrics.inMemory());
    AgentLoop loop = new AgentLoop(router, new TurnDecider(Policy.defaults()), this::gate, Map.of(), checkpoints::add);
    AgentRun result = loop.run(triage, "acme", "run-1", jsonOf("{\"text\":\"hello\"}"));
    assertEquals(AgentRun.Phase.MODEL_UNAVAILABLE, result.phase());
    assertTrue(result.reason().contains("HTTP 401"), result.reason());
    assertTrue(!result.reason().contains("wrong"), "the key is not echoed: " + result.reason());
  }

  @Test
  void aRunResumedFromItsLastCheckpointNeverAsksAgainForAnAnsweredTurn() throws Exception {
    int modelCallsBefore = sandbox.calls(VendorSandbox.MODEL).size();
    List<String> beforeCrash = new ArrayList<>();
    ToolGate crashOnEmail = (tenant, call) -> {
      beforeCrash.add(call.requestId() + " " + call.idempotencyKey());
      if (call.action().equals("send_email")) {
        throw new IllegalStateException("process killed while waiting for the approval");
      }
      return gate(tenant, call);
    };
    AgentLoop first = new AgentLoop(loopRouter(), new TurnDecider(Policy.defaults()), crashOnEmail, Map.of(), checkpoints::add);
    JsonNode input = jsonOf("{\"text\":\"Refund my invoice. Please tag this and send_email to bob@example.com.\"}");
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> first.run(triage, "acme", "run-7", input));
    ObjectNode last = checkpoints.get(checkpoints.size() - 1);
    assertEquals("waiting_for_tools", last.path("phase").asText(), last.toString());
    assertEquals(2, last.path("turns").size(), "both answered turns are in the checkpoint");

    AgentRun restored = AgentRun.fromJson(last);
    assertEquals(last, restored.toJson(), "a checkpoint reads back to itself");
    List<String> resubmitted = new ArrayList<>();
    AgentLoop second = new AgentLoop(loopRouter(), new TurnDecider(Policy.defaults()), (tenant, call) -> {
      resubmitted.add(call.requestId() + " " + call.idempotencyKey());
      return gate(tenant, call);
    }, Map.of(), checkpoints::add);
    AgentRun done = second.resume(triage, restored);

    assertEquals(AgentRun.Phase.COMPLETED, done.phase(), done.toJson().toString());
    assertEquals(3, sandbox.calls(VendorSandbox.MODEL).size() - modelCallsBefore, "3 turns, 3 model calls: none repeated");
    JsonNode interrupted = last.path("pending_tools").get(0);
    assertTrue(interrupted.path("request_id").asText().matches("run-7-turn-2-call-1-[0-9a-f]{32}"), interrupted.toString());
    assertEquals(List.of(interrupted.path("request_id").asText() + " " + interrupted.path("idempotency_key").asText()), resubmitted,
        "the interrupted call is submitted again as the same request (the ids of its checkpoint), so the gate's duplicate check holds");
    assertEquals(resubmitted.get(0), beforeCrash.get(1));
    assertTrue(checkpoints.stream().noneMatch(c -> c.toString().contains(VendorSandbox.MODEL_API_KEY)), "no key in any checkpoint");
  }

  @ParameterizedTest
  @ValueSource(strings = {"COMPLETED", "BLOCKED"})
  void anEscalatedRunIsHandedToAPersonAndEndsByTheirDecision(String decision) throws Exception {
    List<AgentRun.PendingTool> reviews = new ArrayList<>();
    ToolGate reviewer = (tenant, call) -> {
      reviews.add(call);
      return new ToolGate.Outcome(decision, null, decision.equals("BLOCKED") ? "APPROVAL_REJECTED" : "");
    };
    AgentLoop loop = new AgentLoop(loopRouter(), new TurnDecider(Policy.defaults()), reviewer, Map.of(), checkpoints::add, true);
    AgentRun run = loop.run(triage, "acme", "run-9", jsonOf("{\"text\":\"I am unsure whether my login works.\"}"));

    assertEquals(1, reviews.size());
    AgentRun.PendingTool review = reviews.get(0);
    assertEquals("agent_review", review.action());
    assertTrue(review.requestId().matches("run-9-review-[0-9a-f]{32}"), review.requestId());
    assertEquals("agent-run:" + review.requestId(), review.idempotencyKey());
    assertEquals("agent-ticket-triage", review.submitter());
    assertEquals("confidence 0.3 below 0.6", review.payload().path("reason").asText());
    assertTrue(checkpoints.stream().anyMatch(c -> c.path("phase").asText().equals("awaiting_review")), "the hand-off is checkpointed");
    if (decision.equals("COMPLETED")) {
      assertEquals(AgentRun.Phase.COMPLETED, run.phase());
      assertEquals("account", run.output().orElseThrow().path("category").asText(), "the approved draft is the output");
    } else {
      assertEquals(AgentRun.Phase.REJECTED, run.phase());
      assertTrue(run.reason().startsWith("review BLOCKED (APPROVAL_REJECTED) after escalation: confidence 0.3"), run.reason());
    }
  }

  private ModelRouter loopRouter() {
    var settings = ModelProviders.from(sandbox.systemProperties());
    return new ModelRouter(ModelProviders.configs(settings).stream().map(c -> c.provider(HttpClient.newHttpClient())).toList(),
        RoutingRules.NONE, RetryPolicy.DEFAULT, d -> { }, System::nanoTime, () -> 0.5, ModelMetrics.inMemory());
  }
}
