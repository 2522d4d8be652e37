package io.fabric.agents.model;

import java.util.List;

/**
 * A message of a conversation: a user's text, an assistant's answer (text and/or tool calls), or the
 * result of one tool call, tied to it by {@code toolCallId}.
 */
public record ChatMessage(Role role, String content, List<ToolCall> toolCalls, String toolCallId) {
  public enum Role { USER, ASSISTANT, TOOL }

  public ChatMessage {
    content = content == null ? "" : content;
    toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
  }

  public static ChatMessage user(String text) {
    return new ChatMessage(Role.USER, text, List.of(), null);
  }

  public static ChatMessage assistant(String text, List<ToolCall> calls) {
    return new ChatMessage(Role.ASSISTANT, text, calls, null);
  }

  public static ChatMessage toolResult(String toolCallId, String resultJson) {
    return new ChatMessage(Role.TOOL, resultJson, List.of(), toolCallId);
  }
}
