package io.fabric.agents.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's chat completions ({@code POST {base}/chat/completions}), the format OpenAI, vLLM, Ollama,
 * llama.cpp's server and most gateways speak: the system prompt is the first message, tools are
 * {@code function}s, a tool call's arguments travel as a JSON string.
 */
public final class OpenAiChatProvider implements ModelProvider {
  private final ProviderConfig config;
  private final HttpClient http;

  public OpenAiChatProvider(ProviderConfig config, HttpClient http) {
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
    Map<String, String> headers = new LinkedHashMap<>();
    config.apiKey().ifPresent(key -> headers.put("Authorization", "Bearer " + key));
    JsonNode answer = ProviderHttp.post(http, config, "/chat/completions", headers, body(request));
    return parse(answer);
  }

  ObjectNode body(ChatRequest request) {
    ObjectNode body = ProviderHttp.JSON.createObjectNode();
    body.put("model", request.model() == null ? config.defaultModel() : request.model());
    ArrayNode messages = body.putArray("messages");
    if (request.systemPrompt() != null && !request.systemPrompt().isBlank()) {
      messages.addObject().put("role", "system").put("content", request.systemPrompt());
    }
    for (ChatMessage message : request.messages()) {
      switch (message.role()) {
        case USER -> messages.addObject().put("role", "user").put("content", message.content());
        case TOOL -> messages.addObject().put("role", "tool").put("tool_call_id", message.toolCallId()).put("content", message.content());
        case ASSISTANT -> {
          ObjectNode out = messages.addObject().put("role", "assistant");
          if (message.content().isEmpty() && !message.toolCalls().isEmpty()) {
            out.putNull("content");
          } else {
            out.put("content", message.content());
          }
          if (!message.toolCalls().isEmpty()) {
            ArrayNode calls = out.putArray("tool_calls");
            for (ToolCall call : message.toolCalls()) {
              calls.addObject().put("id", call.id()).put("type", "function").putObject("function")
                  .put("name", call.name()).put("arguments", call.arguments().toString());
            }
          }
        }
        default -> throw new IllegalStateException("unknown role " + message.role());
      }
    }
    body.put("temperature", request.temperature());
    body.put("max_tokens", request.maxTokens());
    if (!request.tools().isEmpty()) {
      ArrayNode tools = body.putArray("tools");
      for (ToolSpec tool : request.tools()) {
        ObjectNode function = tools.addObject().put("type", "function").putObject("function");
        function.put("name", tool.name()).put("description", tool.description()).set("parameters", tool.parameters());
      }
    }
    return body;
  }

  private ChatResponse parse(JsonNode answer) throws ModelCallException {
    JsonNode choice = answer.path("choices").path(0);
    JsonNode message = choice.path("message");
    if (!message.isObject()) {
      throw ProviderHttp.badResponse(config, "answer has no choices[0].message");
    }
    List<ToolCall> calls = new ArrayList<>();
    for (JsonNode call : message.path("tool_calls")) {
      JsonNode function = call.path("function");
      String arguments = function.path("arguments").asText("{}");
      try {
        JsonNode parsed = ProviderHttp.JSON.readTree(arguments.isBlank() ? "{}" : arguments);
        calls.add(new ToolCall(call.path("id").asText(), function.path("name").asText(), parsed));
      } catch (JsonProcessingException e) {
        throw ProviderHttp.badResponse(config, "tool call " + function.path("name").asText() + " has arguments that are not JSON");
      }
    }
    JsonNode usage = answer.path("usage");
    return new ChatResponse(config.name(), answer.path("model").asText(config.defaultModel()),
        message.path("content").isTextual() ? message.path("content").asText() : "", calls,
        choice.path("finish_reason").asText(""), new ChatResponse.Usage(usage.path("prompt_tokens").asLong(),
        usage.path("completion_tokens").asLong()), Duration.ZERO);
  }
}
