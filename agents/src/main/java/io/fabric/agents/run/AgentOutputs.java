package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.JsonSchemas;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a model's final answer as the agent's output: the JSON object it wrote (bare, in a
 * {@code ```json} fence, or amid prose), checked against the agent's output schema. The errors are
 * worded for the model, since they are sent back to it for another try.
 */
public final class AgentOutputs {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, JsonSchemas> COMPILED = new ConcurrentHashMap<>();

  /** The output, or why it is not one. */
  public record Checked(Optional<JsonNode> output, List<String> errors) {
    public boolean valid() {
      return output.isPresent();
    }
  }

  private AgentOutputs() {}

  public static Checked check(AgentDefinition agent, String answer) {
    Optional<JsonNode> object = jsonObject(answer);
    if (object.isEmpty()) {
      return new Checked(Optional.empty(), List.of("the answer must be one JSON object matching the output schema"));
    }
    JsonSchemas schema = COMPILED.computeIfAbsent(agent.name() + "\n" + agent.outputSchema(), k -> JsonSchemas.compile(agent.outputSchema()));
    List<String> errors = schema.validate(object.get()).stream().map(JsonSchemas.Violation::toString).toList();
    return errors.isEmpty() ? new Checked(object, List.of()) : new Checked(Optional.empty(), errors);
  }

  /** The JSON object in {@code text}: all of it, a fenced block, or from the first '{' to the last '}'. */
  public static Optional<JsonNode> jsonObject(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String trimmed = text.strip();
    int fence = trimmed.indexOf("```");
    if (fence >= 0) {
      int start = trimmed.indexOf('\n', fence);
      int end = trimmed.indexOf("```", fence + 3);
      if (start > 0 && end > start) {
        Optional<JsonNode> fenced = parse(trimmed.substring(start + 1, end));
        if (fenced.isPresent()) {
          return fenced;
        }
      }
    }
    Optional<JsonNode> whole = parse(trimmed);
    if (whole.isPresent()) {
      return whole;
    }
    int open = trimmed.indexOf('{');
    int close = trimmed.lastIndexOf('}');
    return open >= 0 && close > open ? parse(trimmed.substring(open, close + 1)) : Optional.empty();
  }

  private static Optional<JsonNode> parse(String candidate) {
    try {
      JsonNode node = JSON.readTree(candidate);
      return node != null && node.isObject() ? Optional.of(node) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
