package io.fabric.agents.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API ({@code POST {base}/messages}): the system prompt is a field of its own,
 * content is a list of blocks, a tool call is a {@code tool_use} block and its result a
 * {@code tool_result} block in the next user message (consecutive results share one message, as the
 * API wants user and assistant to alternate).
 */
public final class AnthropicMessagesProvider implements ModelProvider {
  public static final String API_VERSION = "2023-06-01";
  private final ProviderConfig config;
  private final HttpClient http;

  public AnthropicMessagesProvider(ProviderConfig config, HttpClient http) {
    this.config = config;
    this.http = http;
  }

  @Override
  public String name() {
    return config.name();
  }

  @Override
  public String defaultModel() {
    return config.defaultModel();
  }

  @Override
  public ChatResponse chat(ChatRequest request) throws ModelCallException {
    Map<String, String> headers = new java.util.LinkedHashMap<>();
    headers.put("anthropic-version", API_VERSION);
    config.apiKey().ifPresent(key -> headers.put("x-api-key", key));
    return parse(ProviderHttp.post(http, config, "/messages", headers, body(request)));
  }

  ObjectNode body(ChatRequest request) {
    ObjectNode body = ProviderHttp.JSON.createObjectNode();
    body.put("model", request.model() == null ? config.defaultModel() : request.model());
    if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
      body.put("system", request.systemPrompt());
    }
    body.put("max_tokens", request.maxTokens());
    body.put("temperature", request.temperature());
    ArrayNode messages = body.putArray("messages");
    ArrayNode pendingResults = null;
    for (ChatMessage message : request.messages()) {
      if (message.role() == ChatMessage.Role.TOOL) {
        if (pendingResults == null) {
          pendingResults = messages.addObject().put("role", "user").putArray("content");
        }
        pendingResults.addObject().put("type", "tool_result").put("tool_use_id", message.toolCallId()).put("content", message.content());
        continue;
      }
      pendingResults = null;
      if (message.role() == ChatMessage.Role.USER) {
        messages.addObject().put("role", "user").put("content", message.content());
      } else {
        ArrayNode content = messages.addObject().put("role", "assistant").putArray("content");
        if (!message.content().isEmpty()) {
          content.addObject().put("type", "text").put("text", message.content());
        }
        for (ToolCall call : message.toolCalls()) {
          content.addObject().put("type", "tool_use").put("id", call.id()).put("name", call.name()).set("input", call.arguments());
        }
      }
    }
    if (!request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      for (ToolSpec tool : request.tools()) {
        tools.addObject().put("name", tool.name()).put("description", tool.description()).set("input_schema", tool.parameters());
      }
    }
    return body;
  }

  private ChatResponse parse(JsonNode answer) throws ModelCallException {
    if (!answer.path("content").isArray()) {
      throw ProviderHttp.badResponse(config, "answer has no content blocks");
    }
    StringBuilder text = new StringBuilder();
    List<ToolCall> calls = new ArrayList<>();
    for (JsonNode block : answer.path("content")) {
      switch (block.path("type").asText()) {
        case "text" -> text.append(block.path("text").asText());
        case "tool_use" -> calls.add(new ToolCall(block.path("id").asText(), block.path("name").asText(),
            block.path("input").isObject() ? block.path("input") : ProviderHttp.JSON.createObjectNode()));
        default -> { } // thinking and future block types carry nothing an agent acts on
      }
    }
    JsonNode usage = answer.path("usage");
    return new ChatResponse(config.name(), answer.path("model").asText(config.defaultModel()), text.toString(), calls,
        answer.path("stop_reason").asText(""), new ChatResponse.Usage(usage.path("input_tokens").asLong(),
        usage.path("output_tokens").asLong()), Duration.ZERO);
  }
}
