package io.fabric.plugins.runtime;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.schemas.records.Reason;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * The bound on what a step may leave in its flow's checkpoint, checked before the outcome is staged.
 *
 * <p>A checkpoint carries the whole merged state and every step's result. One that exceeds the
 * producer's {@code max.request.size} fails its send, which aborts the transaction holding the
 * outcomes of the whole poll; the runtime rewinds, calls the plugin again, and fails the same way
 * forever. Refusing the one outcome here, while nothing is staged, turns that into one dead letter.
 * Kafka-free, so a unit test and the runtime call the same check.
 */
public final class OutcomeSizeLimit {
  /** The {@code errorMessage} prefix of the dead letter, for people and {@code fabric dlq list --error}. */
  public static final String CODE = "OUTCOME_TOO_LARGE";

  private final int maxBytes;

  public OutcomeSizeLimit(int maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** Why a step's outcome cannot be checkpointed, and what that means for its flow. */
  public record TooLarge(OutcomeTooLargeException error, Reason reason) {}

  /** Thrown into the dead letter of a step whose outcome is over the limit. */
  public static final class OutcomeTooLargeException extends RuntimeException {
    OutcomeTooLargeException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Empty when {@code next} fits; else the error to dead-letter the step with. A compensable step
   * whose result cannot be stored cannot be compensated either, so its effect is left for a person
   * ({@link Reason#PROCESSING_ERROR}: the flow is marked FAILED without an automatic rollback, as
   * for a step in doubt); any other step fails like a step that failed for good
   * ({@link Reason#EXECUTION_FAILED}: the earlier steps are compensated).
   */
  public Optional<TooLarge> check(FlowCheckpoint next, String requestId, boolean compensable) {
    if (upperBound(next) <= maxBytes) {
      return Optional.empty();
    }
    int size = serializedSize(next);
    if (size <= maxBytes) {
      return Optional.empty();
    }
    int result = next.getSteps().stream().filter(s -> s.getRequestId().equals(requestId)).findFirst()
        .map(s -> utf8Length(s.getResult())).orElse(0);
    String message = CODE + ": the checkpoint of flow " + next.getFlowId() + " after step " + requestId + " would be " + size
        + " bytes (the step's result " + result + " bytes, the merged state " + utf8Length(next.getState())
        + " bytes), over the limit of " + maxBytes + " bytes (" + PluginRuntimeConfig.MAX_CHECKPOINT_BYTES + "); the result was not recorded"
        + (compensable ? " and cannot be compensated automatically: check the step's effect" : "");
    return Optional.of(new TooLarge(new OutcomeTooLargeException(message), compensable ? Reason.PROCESSING_ERROR : Reason.EXECUTION_FAILED));
  }

  /** The exact size of the record value the runtime would write (Avro binary; the serde's header is a few bytes). */
  static int serializedSize(FlowCheckpoint checkpoint) {
    try {
      return checkpoint.toByteBuffer().remaining();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A cheap bound on the serialized size, so the common small checkpoint is not serialized twice:
   * at most 3 UTF-8 bytes per UTF-16 char, plus generous per-field overhead.
   */
  private static long upperBound(FlowCheckpoint checkpoint) {
    long chars = length(checkpoint.getFlowId()) + length(checkpoint.getTenantId()) + length(checkpoint.getRevisionId())
        + length(checkpoint.getAt()) + length(checkpoint.getNote()) + length(checkpoint.getStatus()) + length(checkpoint.getState());
    long overhead = 64;
    for (FlowStep step : checkpoint.getSteps()) {
      chars += length(step.getRequestId()) + length(step.getAction()) + length(step.getPlugin()) + length(step.getStatus())
          + length(step.getRevisionId()) + length(step.getAt()) + length(step.getResult());
      for (ExecutionAttempt attempt : step.getAttempts()) {
        chars += length(attempt.getAt()) + length(attempt.getErrorClass()) + length(attempt.getError());
      }
      overhead += 64 + 16L * step.getAttempts().size();
    }
    return chars * 3 + overhead;
  }

  private static long length(CharSequence s) {
    return s == null ? 0 : s.length();
  }

  private static int utf8Length(String s) {
    return s == null ? 0 : s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
  }
}
