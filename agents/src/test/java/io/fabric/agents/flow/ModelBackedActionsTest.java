package io.fabric.agents.flow;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.fabric.agents.model.ProviderConfig;
import io.fabric.agents.router.ModelMetrics;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.RetryPolicy;
import io.fabric.agents.router.RoutingRules;
import io.fabric.plugins.builtin.BuiltinPlugin;
import io.fabric.plugins.spi.TaskContext;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The seed's text actions: the model's answer when it fits the builtin's result shape, else the builtin's, saying why. */
class ModelBackedActionsTest {
  private WireMockServer server;
  private ModelBackedActions actions;

  @BeforeEach
  void start() {
    server = new WireMockServer(options().dynamicPort());
    server.start();
    var config = new ProviderConfig("local", ProviderConfig.Kind.OPENAI, "http://localhost:" + server.port() + "/v1", Optional.empty(),
        "m1", Duration.ofSeconds(5));
    ModelRouter router = new ModelRouter(List.of(config.provider(HttpClient.newHttpClient())), RoutingRules.parse(""), RetryPolicy.DEFAULT,
        d -> { }, System::nanoTime, () -> 0.5, ModelMetrics.inMemory());
    actions = new ModelBackedActions(new BuiltinPlugin(), router, Duration.ofSeconds(15));
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  private Map<String, Object> run(String action, Map<String, Object> payload) throws Exception {
    return actions.execute("acme", payload, new TaskContext("f", "r", "k", action, 1, false, Map.of(), null));
  }

  private void answer(String content) {
    server.stubFor(post("/v1/chat/completions").willReturn(okJson("{\"model\":\"m1\",\"choices\":[{\"message\":{\"role\":\"assistant\","
        + "\"content\":" + new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(content) + "},\"finish_reason\":\"stop\"}]}")));
  }

  @Test
  void anAnswerOfTheRightShapeIsTheResult() throws Exception {
    answer("{\"tags\":[\"refund\",\"billing\"]}");
    Map<String, Object> result = run("tag", Map.of("text", "Please refund my invoice"));
    assertEquals(List.of("refund", "billing"), result.get("tags"));
    assertEquals("model:local/m1", result.get("engine"));
  }

  @Test
  void anAnswerThatDoesNotFitOrNoModelFallsBackToTheBuiltin() throws Exception {
    answer("Sure! The tags are billing and refund.");
    Map<String, Object> prose = run("tag", Map.of("text", "Please refund my invoice"));
    assertEquals(List.of("billing"), prose.get("tags"), "the builtin's default rules");
    assertEquals("builtin", prose.get("engine"));
    assertTrue(String.valueOf(prose.get("model_fallback")).contains("not a JSON object"), prose.toString());

    server.resetAll();
    server.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(503)));
    Map<String, Object> down = run("summarize", Map.of("text", "One. Two. Three."));
    assertEquals("builtin", down.get("engine"));
    assertTrue(String.valueOf(down.get("model_fallback")).startsWith("no model answered"), down.toString());
  }

  @Test
  void otherActionsAreTheBuiltinsUntouched() throws Exception {
    Map<String, Object> status = actions.execute("acme", Map.of("status", "ok"),
        new TaskContext("f", "r", "k", "internal_status_update", 1, false, Map.of(), null));
    assertTrue(!status.containsKey("engine"), status.toString());
    assertEquals(0, server.getAllServeEvents().size(), "no model asked");
  }
}
