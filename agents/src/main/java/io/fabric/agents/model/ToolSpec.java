package io.fabric.agents.model;

import com.fasterxml.jackson.databind.JsonNode;

/** A tool the model may call: a fabric action, its description and the JSON Schema of its arguments (the action's payload). */
public record ToolSpec(String name, String description, JsonNode parameters) {}
