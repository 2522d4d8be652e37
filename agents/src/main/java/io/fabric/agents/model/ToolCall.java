package io.fabric.agents.model;

import com.fasterxml.jackson.databind.JsonNode;

/** A tool call the model proposed: the provider's id for it, the tool (a fabric action) and its arguments (a JSON object). */
public record ToolCall(String id, String name, JsonNode arguments) {}
