package io.fabric.agents.model;

/**
 * A large language model behind one call: a conversation in, the model's next message out (text,
 * tool calls or both). Implementations speak one wire format ({@link OpenAiChatProvider},
 * {@link AnthropicMessagesProvider}); the {@link io.fabric.agents.router.ModelRouter} picks among
 * them, retries and falls back, so a provider makes exactly one HTTP call per {@link #chat}.
 */
public interface ModelProvider {
  /** The name rules and metrics use ({@code openai}, {@code anthropic}, {@code local-vllm}, ...). */
  String name();

  /** The model asked for when a request names none. */
  String defaultModel();

  /**
   * One model turn.
   *
   * @throws ModelCallException classified: timeouts, 429 and 5xx are retryable, other failures not
   */
  ChatResponse chat(ChatRequest request) throws ModelCallException;
}
