package io.fabric.agents.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.model.ToolCall;
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
  private ToolGate.Outcome gate(String submitter, String tenant, ToolCall call) {
    submitted.add(submitter + " " + tenant + " " + call.name() + " " + call.arguments());
    JsonNode result = call.name().equals("tag") ? JSON.createObjectNode().set("tags", JSON.createArrayNode().add("billing"))
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
    return new AgentLoop(router, new TurnDecider(Policy.defaults()), this::gate, Map.of("send_email", email));
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
    AgentLoop.Result result = loop("*@*=" + provider).run(triage, "acme",
        jsonOf("{\"text\":\"I was charged twice on my invoice. Please tag this and send_email to bob@example.com.\"}"));
    assertEquals(AgentLoop.Status.COMPLETED, result.status(), result.toString());
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
    AgentLoop.Result result = loop("").run(triage, "acme", jsonOf("{\"text\":\"I am unsure whether my login works.\"}"));
    assertEquals(AgentLoop.Status.ESCALATED, result.status(), result.toString());
    assertEquals("confidence 0.3 below 0.6", result.reason());
    assertTrue(result.draft().contains("\"category\":\"account\""), result.draft());
    assertEquals("sandbox-openai", result.turns().get(0).provider(), "the agent's preferred providers are not configured: default order");
  }

  @Test
  void outputThatKeepsFailingItsSchemaIsRetriedThenEscalated() throws Exception {
    AgentLoop.Result result = loop("").run(triage, "acme", jsonOf("{\"text\":\"sandbox:invalid please\"}"));
    assertEquals(AgentLoop.Status.ESCALATED, result.status(), result.toString());
    assertEquals(3, result.turns().size(), "max_validation_failures 2: two answers sent back, the third escalates");
    assertTrue(result.reason().startsWith("output failed its schema 3 time(s)"), result.reason());
    assertEquals(List.of(), submitted);
  }

  @Test
  void inputBreakingTheInputSchemaNeverReachesAModel() throws Exception {
    int before = sandbox.calls(VendorSandbox.MODEL).size();
    AgentLoop.Result result = loop("").run(triage, "acme", jsonOf("{\"txt\":\"typo\"}"));
    assertEquals(AgentLoop.Status.INVALID_INPUT, result.status());
    assertEquals(before, sandbox.calls(VendorSandbox.MODEL).size());
  }

  @Test
  void theSandboxRefusesAWrongKeyAsEachProviderWould() throws Exception {
    Map<String, String> settings = new HashMap<>(sandbox.systemProperties());
    settings.put(ModelProviders.key("sandbox-openai", "api_key"), "wrong");
    var router = new ModelRouter(ModelProviders.configs(ModelProviders.from(settings)).stream()
        .map(c -> c.provider(HttpClient.newHttpClient())).toList(), RoutingRules.NONE, RetryPolicy.DEFAULT, d -> { }, System::nanoTime,
        () -> 0.5, ModelMetrics.inMemory());
    AgentLoop loop = new AgentLoop(router, new TurnDecider(Policy.defaults()), this::gate, Map.of());
    AgentLoop.Result result = loop.run(triage, "acme", jsonOf("{\"text\":\"hello\"}"));
    assertEquals(AgentLoop.Status.MODEL_UNAVAILABLE, result.status());
    assertTrue(result.reason().contains("HTTP 401"), result.reason());
    assertTrue(!result.reason().contains("wrong"), "the key is not echoed: " + result.reason());
  }
}
