package io.fabric.plugins.runtime;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.plugins.flows.FlowJson;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serdes;

/**
 * What a runtime is about to do, written and committed before it calls a plugin, so a restarted
 * runtime can tell "never called" from "called, result lost" (in doubt). Kept on the compacted
 * {@code <prefix>flows.intents} topic, keyed by {@link #requestId()} (so the steps of one flow that
 * different plugins run never overwrite each other's intent) but written to the partition of its
 * flow id, so partition p holds the intents of task partition p. The transaction that checkpoints
 * the step (or dead-letters it) writes the tombstone, so the topic only holds open intents.
 *
 * @param requestId the step's request id, or {@code compensate-<request id>} for a compensation
 * @param pendingAttempt the attempt that was called and whose outcome is not recorded, 0 if none
 * @param doubtful whether some attempt of this step was ever in doubt (later attempts stay in doubt)
 * @param attempts the attempts whose outcome is known (errors) or that were found in doubt
 * @param notBefore epoch millis before which the next attempt must not start (a retry's backoff), 0
 *                  for none: kept in the intent so a runtime that takes the partition over still waits
 *
 * <p>Unknown fields are ignored, so an intent a newer version wrote does not stop an older runtime
 * from restoring its partitions.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ExecutionIntent(String flowId, String requestId, Kind kind, String plugin, String action, String idempotencyKey,
                              int pendingAttempt, boolean doubtful, List<Attempt> attempts, long at, long notBefore) {
  public enum Kind { EXECUTE, COMPENSATE }

  /** An attempt as recorded in an intent; the same fields as {@link ExecutionAttempt}. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Attempt(int attempt, String at, String errorClass, String error) {
    static Attempt of(ExecutionAttempt attempt) {
      return new Attempt(attempt.getAttempt(), attempt.getAt(), attempt.getErrorClass(), attempt.getError());
    }

    ExecutionAttempt toAvro() {
      return ExecutionAttempt.newBuilder().setAttempt(attempt).setAt(at).setErrorClass(errorClass)
          .setError(DeadLetters.bounded(error)).build();
    }
  }

  public ExecutionIntent {
    attempts = attempts == null ? List.of() : List.copyOf(attempts);
  }

  /** The catalog's intents topic: an intent without a checkpoint is an in-doubt execution. */
  public static TopicSpec<String, String> topic(TopicCatalog catalog) {
    return catalog.flowIntents;
  }

  public List<ExecutionAttempt> avroAttempts() {
    List<ExecutionAttempt> list = new ArrayList<>();
    attempts.forEach(a -> list.add(a.toAvro()));
    return list;
  }

  public String toJson() {
    return FlowJson.write(this);
  }

  public static ExecutionIntent fromJson(String json) {
    try {
      return FlowJson.mapper().readValue(json, ExecutionIntent.class);
    } catch (IOException e) {
      throw new UncheckedIOException("not an execution intent: " + e.getMessage(), e);
    }
  }
}
