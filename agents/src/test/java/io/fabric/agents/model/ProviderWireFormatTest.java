package io.fabric.agents.model;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.fabric.agents.definition.AgentDefinition.ModelSettings;
import io.fabric.agents.model.ModelCallException.Kind;
import io.fabric.agents.router.ModelMetrics;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.RetryPolicy;
import io.fabric.agents.router.RoutingRules;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both wire formats against WireMock playing the provider: request shapes, tool calls, and each failure's class. */
class ProviderWireFormatTest {
  private static final String KEY = "sk-live-supersecret-0123456789";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final WireMockServer server = new WireMockServer(options().dynamicPort().jettyAcceptors(1));

  @BeforeEach
  void start() {
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop();
  }

  private ProviderConfig config(ProviderConfig.Kind kind, Duration timeout) {
    return new ProviderConfig(kind == ProviderConfig.Kind.OPENAI ? "openai" : "anthropic", kind, server.baseUrl() + "/v1",
        Optional.of(KEY), "default-model", timeout);
  }

  private ModelProvider openai() {
    return config(ProviderConfig.Kind.OPENAI, Duration.ofSeconds(5)).provider(HTTP);
  }

  private ModelProvider anthropic() {
    return config(ProviderConfig.Kind.ANTHROPIC, Duration.ofSeconds(5)).provider(HTTP);
  }

  /** A conversation with one round of tool use behind it, as the second turn of an agent sends it. */
  private static ChatRequest afterOneToolCall() throws Exception {
    ToolCall call = new ToolCall("call_1", "tag", JSON.readTree("{\"text\":\"refund please\"}"));
    ToolSpec tag = new ToolSpec("tag", "Tag a text", JSON.readTree("{\"type\":\"object\",\"properties\":{\"text\":{\"type\":\"string\"}}}"));
    return new ChatRequest("m1", "You triage.", List.of(ChatMessage.user("refund please"), ChatMessage.assistant("", List.of(call)),
        ChatMessage.toolResult("call_1", "{\"tags\":[\"billing\"]}")), List.of(tag), 0.2, 256);
  }

  @Test
  void openAiSendsTheConversationAndReadsToolCalls() throws Exception {
    server.stubFor(post("/v1/chat/completions").willReturn(okJson("""
        {"id":"chatcmpl-1","model":"m1","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,
         "tool_calls":[{"id":"call_2","type":"function","function":{"name":"send_email","arguments":"{\\"to\\":\\"a@b.c\\"}"}}]}}],
         "usage":{"prompt_tokens":42,"completion_tokens":7}}""")));
    ChatResponse response = openai().chat(afterOneToolCall());
    assertEquals(List.of(new ToolCall("call_2", "send_email", JSON.readTree("{\"to\":\"a@b.c\"}"))), response.toolCalls());
    assertEquals("tool_calls", response.stopReason());
    assertEquals(new ChatResponse.Usage(42, 7), response.usage());
    server.verify(postRequestedFor(urlEqualTo("/v1/chat/completions"))
        .withHeader("Authorization", equalTo("Bearer " + KEY))
        .withRequestBody(equalToJson("""
            {"model":"m1","temperature":0.2,"max_tokens":256,
             "messages":[{"role":"system","content":"You triage."},{"role":"user","content":"refund please"},
              {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                "function":{"name":"tag","arguments":"{\\"text\\":\\"refund please\\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"{\\"tags\\":[\\"billing\\"]}"}],
             "tools":[{"type":"function","function":{"name":"tag","description":"Tag a text",
               "parameters":{"type":"object","properties":{"text":{"type":"string"}}}}}]}""")));
  }

  @Test
  void openAiReadsAPlainAnswer() throws Exception {
    server.stubFor(post("/v1/chat/completions").willReturn(okJson("""
        {"model":"m2","choices":[{"message":{"role":"assistant","content":"{\\"answer\\":42}"},"finish_reason":"stop"}]}""")));
    ChatResponse response = openai().chat(new ChatRequest(null, "", List.of(ChatMessage.user("q")), List.of(), 0, 10));
    assertEquals("{\"answer\":42}", response.text());
    assertEquals(List.of(), response.toolCalls());
    assertEquals(new ChatResponse.Usage(0, 0), response.usage(), "a server that reports no usage counts none");
    server.verify(postRequestedFor(urlEqualTo("/v1/chat/completions")).withRequestBody(equalToJson(
        "{\"model\":\"default-model\",\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}", true, true)));
  }

  @Test
  void anthropicSendsBlocksAndReadsToolUse() throws Exception {
    server.stubFor(post("/v1/messages").willReturn(okJson("""
        {"id":"msg_1","type":"message","role":"assistant","model":"m1","stop_reason":"tool_use",
         "content":[{"type":"text","text":"Emailing them."},{"type":"tool_use","id":"toolu_2","name":"send_email","input":{"to":"a@b.c"}}],
         "usage":{"input_tokens":30,"output_tokens":9}}""")));
    ChatResponse response = anthropic().chat(afterOneToolCall());
    assertEquals("Emailing them.", response.text());
    assertEquals(List.of(new ToolCall("toolu_2", "send_email", JSON.readTree("{\"to\":\"a@b.c\"}"))), response.toolCalls());
    assertEquals("tool_use", response.stopReason());
    assertEquals(new ChatResponse.Usage(30, 9), response.usage());
    server.verify(postRequestedFor(urlEqualTo("/v1/messages"))
        .withHeader("x-api-key", equalTo(KEY))
        .withHeader("anthropic-version", equalTo(AnthropicMessagesProvider.API_VERSION))
        .withRequestBody(equalToJson("""
            {"model":"m1","system":"You triage.","max_tokens":256,"temperature":0.2,
             "messages":[{"role":"user","content":"refund please"},
              {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"tag","input":{"text":"refund please"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":"{\\"tags\\":[\\"billing\\"]}"}]}],
             "tools":[{"name":"tag","description":"Tag a text","input_schema":{"type":"object","properties":{"text":{"type":"string"}}}}]}""")));
  }

  @Test
  void a429IsRateLimitedWithItsRetryAfter() throws Exception {
    server.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "3")
        .withHeader("Content-Type", "application/json").withBody("{\"error\":{\"message\":\"Rate limit reached\"}}")));
    ModelCallException e = assertThrows(ModelCallException.class, () -> openai().chat(afterOneToolCall()));
    assertEquals(Kind.RATE_LIMITED, e.kind());
    assertEquals(Optional.of(Duration.ofSeconds(3)), e.retryAfter());
    assertTrue(e.getMessage().contains("HTTP 429: Rate limit reached"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {500, 503, 529})
  void a5xxIsAServerErrorWorthRetrying(int status) {
    server.stubFor(post("/v1/messages").willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
    ModelCallException e = assertThrows(ModelCallException.class, () -> anthropic().chat(afterOneToolCall()));
    assertEquals(Kind.SERVER_ERROR, e.kind());
    assertTrue(e.retryable());
  }

  @Test
  void aSlowProviderTimesOut() {
    server.stubFor(post("/v1/chat/completions").willReturn(okJson("{}").withFixedDelay(1_000)));
    ModelProvider slow = config(ProviderConfig.Kind.OPENAI, Duration.ofMillis(200)).provider(HTTP);
    ModelCallException e = assertThrows(ModelCallException.class, () -> slow.chat(afterOneToolCall()));
    assertEquals(Kind.TIMEOUT, e.kind());
  }

  @Test
  void anAnswerTricklingInPastTheTimeoutTimesOut() {
    // the headers come at once, the body a chunk at a time: a timeout that covered only the headers would wait it out
    server.stubFor(post("/v1/chat/completions").willReturn(okJson("{\"choices\":[{\"message\":{\"content\":\"" + "x".repeat(200)
        + "\"}}]}").withChunkedDribbleDelay(10, 3_000)));
    ModelProvider slow = config(ProviderConfig.Kind.OPENAI, Duration.ofMillis(300)).provider(HTTP);
    ModelCallException e = assertThrows(ModelCallException.class, () -> slow.chat(afterOneToolCall()));
    assertEquals(Kind.TIMEOUT, e.kind());
  }

  @Test
  void anAnswerLargerThanTheCapIsRefusedWithoutBeingHeldWhole() {
    String huge = "{\"choices\":[{\"message\":{\"content\":\"" + "x".repeat(ProviderHttp.MAX_RESPONSE_BYTES) + "\"}}]}";
    server.stubFor(post("/v1/chat/completions").willReturn(okJson(huge)));
    ModelCallException e = assertThrows(ModelCallException.class, () -> openai().chat(afterOneToolCall()));
    assertEquals(Kind.BAD_RESPONSE, e.kind());
    assertTrue(e.getMessage().contains("larger than"), e.getMessage());
  }

  @Test
  void theApiKeyNeverAppearsInAnErrorOrTheConfig() {
    server.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"message\":\"Incorrect API key provided: " + KEY + "\"}}")));
    ModelCallException e = assertThrows(ModelCallException.class, () -> openai().chat(afterOneToolCall()));
    assertEquals(Kind.CLIENT_ERROR, e.kind());
    assertFalse(e.getMessage().contains(KEY), e.getMessage());
    assertTrue(e.getMessage().contains(Redaction.REDACTED), e.getMessage());
    assertFalse(config(ProviderConfig.Kind.OPENAI, Duration.ofSeconds(1)).toString().contains(KEY));
  }

  @Test
  void theRouterRetriesA503ThenFallsBackToAnthropic() throws Exception {
    server.stubFor(post("/v1/chat/completions").willReturn(aResponse().withStatus(503)));
    server.stubFor(post("/v1/messages").willReturn(okJson("""
        {"model":"m","content":[{"type":"text","text":"fine"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":1}}""")));
    List<Duration> slept = new ArrayList<>();
    ModelRouter router = new ModelRouter(List.of(openai(), anthropic()), RoutingRules.NONE, RetryPolicy.DEFAULT, slept::add,
        System::nanoTime, () -> 0.0, ModelMetrics.inMemory());
    ModelRouter.Routed routed = router.chat("triage", "acme", new ModelSettings(List.of(), 0.2, 64, 4),
        new ChatRequest(null, "s", List.of(ChatMessage.user("q")), List.of(), 0.2, 64));
    assertEquals("fine", routed.response().text());
    assertEquals("anthropic", routed.response().provider());
    server.verify(exactly(3), postRequestedFor(urlEqualTo("/v1/chat/completions")));
    assertEquals(List.of(Duration.ofMillis(500), Duration.ofSeconds(1)), slept);
  }
}
