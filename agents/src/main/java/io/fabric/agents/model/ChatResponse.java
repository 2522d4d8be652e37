package io.fabric.agents.model;

import java.time.Duration;
import java.util.List;

/**
 * The model's next message and what it cost.
 *
 * @param stopReason the provider's own word ({@code stop}, {@code tool_calls}, {@code end_turn}, {@code tool_use}, ...)
 */
public record ChatResponse(String provider, String model, String text, List<ToolCall> toolCalls, String stopReason, Usage usage,
    Duration latency) {
  public ChatResponse {
    text = text == null ? "" : text;
    toolCalls = List.copyOf(toolCalls);
  }

  /** Tokens in and out, as the provider counted them (0 when it did not say). */
  public record Usage(long inputTokens, long outputTokens) {}

  public ChatResponse withLatency(Duration measured) {
    return new ChatResponse(provider, model, text, toolCalls, stopReason, usage, measured);
  }
}
