package io.fabric.agents.definition;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * An agent as data: what it is told (system prompt), what it takes and must answer (JSON Schemas),
 * which models it prefers, which fabric actions it may propose as tools, who it signs as, and when a
 * person takes over. Read from YAML by {@link AgentDefinitions}; immutable.
 *
 * @param submitter the submitter identity its tool calls are signed as (default {@code agent-<name>})
 * @param inputSchema what a run's input must satisfy; {@code {}} accepts anything
 */
public record AgentDefinition(String name, String description, String systemPrompt, String submitter, JsonNode inputSchema,
    JsonNode outputSchema, ModelSettings model, List<String> tools, Escalation escalation) {

  /** One provider the agent prefers, optionally with the model to ask it for (else the provider's default model). */
  public record ModelPreference(String provider, Optional<String> model) {}

  /**
   * @param preferences providers in the agent's order of preference (the router's rules come first)
   * @param maxTurns model turns a run may take before it is handed to a person
   */
  public record ModelSettings(List<ModelPreference> preferences, double temperature, int maxTokens, int maxTurns) {
    public static final double DEFAULT_TEMPERATURE = 0.2;
    public static final int DEFAULT_MAX_TOKENS = 1024;
    public static final int DEFAULT_MAX_TURNS = 8;

    /** The model the agent wants from {@code provider}, if it names one. */
    public Optional<String> modelFor(String provider) {
      return preferences.stream().filter(p -> p.provider().equals(provider)).findFirst().flatMap(ModelPreference::model);
    }
  }

  /** Hand the run to a person when the output's field at {@code field} equals one of {@code values}. */
  public record FieldRule(JsonPointer field, List<JsonNode> values) {}

  /**
   * When a run is handed to a person instead of finishing or acting on its own.
   *
   * @param confidenceBelow escalate when the output's {@code confidenceField} is below this (absent: never)
   * @param proposedActionClasses escalate when the agent proposes a tool of one of these policy classes
   * @param maxValidationFailures outputs failing the output schema that are sent back to the model
   *     (with the errors) before the run escalates
   */
  public record Escalation(Optional<Double> confidenceBelow, JsonPointer confidenceField, List<FieldRule> fields,
      Set<String> proposedActionClasses, int maxValidationFailures) {
    public static final int DEFAULT_MAX_VALIDATION_FAILURES = 2;
  }
}
