package io.fabric.agents.model;

import java.util.List;

/**
 * One model turn as every provider sees it, whatever its wire format.
 *
 * @param model the model to ask for; {@code null} means the provider's default
 * @param messages the conversation so far (user, assistant and tool-result messages; the system prompt apart)
 */
public record ChatRequest(String model, String systemPrompt, List<ChatMessage> messages, List<ToolSpec> tools, double temperature,
    int maxTokens) {
  public ChatRequest {
    messages = List.copyOf(messages);
    tools = List.copyOf(tools);
  }

  /** The same request for another model (the router sets each provider's). */
  public ChatRequest withModel(String otherModel) {
    return new ChatRequest(otherModel, systemPrompt, messages, tools, temperature, maxTokens);
  }
}
