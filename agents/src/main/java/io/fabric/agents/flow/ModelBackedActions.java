package io.fabric.agents.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.definition.AgentDefinition.ModelSettings;
import io.fabric.agents.definition.JsonSchemas;
import io.fabric.agents.model.ChatMessage;
import io.fabric.agents.model.ChatRequest;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.ModelRoutingException;
import io.fabric.agents.run.AgentOutputs;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.RetryPolicy;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The seed's class-A text actions ({@code summarize}, {@code research}, {@code generate_draft}, {@code plan},
 * {@code classify}, {@code tag}) as a model's job when a provider is configured, with the builtin plugin's
 * deterministic implementation as the fallback: the model gets the payload and must answer one JSON
 * object of the builtin's result shape (checked against a schema); an answer that does not fit, or no
 * provider answering, runs the builtin instead. The result says which ran ({@code engine}: {@code
 * model:PROVIDER/MODEL} or {@code builtin}, with {@code model_fallback} saying why). Same name, task types
 * and topics as the plugin it wraps; every other action goes to it unchanged.
 */
public final class ModelBackedActions implements FabricPlugin {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What each action's answer must hold: the builtin's result key and its essential fields. */
  static final Map<String, String> SHAPES = Map.of(
      "summarize", "{\"summary\":{\"type\":\"object\",\"required\":[\"text\"],\"properties\":{\"text\":{\"type\":\"string\"}}}}",
      "tag", "{\"tags\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}",
      "classify", "{\"classification\":{\"type\":\"object\",\"required\":[\"label\"],\"properties\":{\"label\":{\"type\":\"string\"}}}}",
      "plan", "{\"plan\":{\"type\":\"object\",\"required\":[\"order\"],\"properties\":{\"order\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}}",
      "research", "{\"research\":{\"type\":\"object\",\"required\":[\"findings\"],\"properties\":{\"findings\":{\"type\":\"array\"}}}}",
      "generate_draft", "{\"draft\":{\"type\":\"object\",\"required\":[\"text\"],\"properties\":{\"text\":{\"type\":\"string\"}}}}");
  private static final Map<String, JsonSchemas> SCHEMAS = schemas();

  private final FabricPlugin builtin;
  private final ModelRouter router;
  private final Duration worstCase;

  public ModelBackedActions(FabricPlugin builtin, ModelRouter router, Duration worstCase) {
    this.builtin = builtin;
    this.router = router;
    this.worstCase = worstCase;
  }

  @Override
  public String name() {
    return builtin.name();
  }

  @Override
  public Set<String> taskTypes() {
    return builtin.taskTypes();
  }

  @Override
  public Optional<Duration> worstCaseCall() {
    return Optional.of(worstCase.plus(builtin.worstCaseCall().orElse(Duration.ZERO)));
  }

  @Override
  public RetryPolicy retryPolicy() {
    return builtin.retryPolicy();
  }

  /** Asking a model again, or the builtin, has no effect outside the fabric. */
  @Override
  public InDoubtSupport inDoubtSupport() {
    return builtin.inDoubtSupport();
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    String action = context.action();
    if (!SHAPES.containsKey(action)) {
      return builtin.execute(tenantId, payload, context);
    }
    String why;
    try {
      ChatResponse answer = router.chat("builtin-" + action, tenantId, new ModelSettings(List.of(), 0.0, 1024, 1), request(action, payload))
          .response();
      Optional<JsonNode> object = AgentOutputs.jsonObject(answer.text());
      List<JsonSchemas.Violation> errors = object.map(o -> SCHEMAS.get(action).validate(o)).orElse(List.of());
      if (object.isPresent() && errors.isEmpty()) {
        @SuppressWarnings("unchecked")
        Map<String, Object> result = new LinkedHashMap<>(JSON.convertValue(object.get(), Map.class));
        result.put("engine", "model:" + answer.provider() + "/" + answer.model());
        return result;
      }
      why = object.isEmpty() ? "the model's answer is not a JSON object" : "the model's answer does not fit: " + errors;
    } catch (ModelRoutingException e) {
      why = "no model answered: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryableTaskException("interrupted while asking the model for " + action);
    }
    Map<String, Object> result = new LinkedHashMap<>(builtin.execute(tenantId, payload, context));
    result.put("engine", "builtin");
    result.put("model_fallback", why.length() > 300 ? why.substring(0, 300) + "…" : why);
    return result;
  }

  private static ChatRequest request(String action, Map<String, Object> payload) {
    String system = "You perform the fabric action `" + action + "` on the JSON payload the user sends. Answer with exactly one JSON "
        + "object whose properties match this JSON Schema: " + SHAPES.get(action) + ". No prose.";
    try {
      return new ChatRequest(null, system, List.of(ChatMessage.user(JSON.writeValueAsString(payload))), List.of(), 0.0, 1024);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, JsonSchemas> schemas() {
    Map<String, JsonSchemas> schemas = new LinkedHashMap<>();
    SHAPES.forEach((action, properties) -> {
      try {
        String key = JSON.readTree(properties).fieldNames().next();
        schemas.put(action, JsonSchemas.compile(JSON.readTree("{\"type\":\"object\",\"required\":[\"" + key + "\"],\"properties\":"
            + properties + "}")));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    return Map.copyOf(schemas);
  }
}
