package io.fabric.plugins.spi;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a plugin knows about the task beyond its payload.
 *
 * @param idempotencyKey stable across attempts and restarts of one step (the request's own key when
 *                       executing, {@code compensate-<request id>} when compensating): send it to the
 *                       vendor as its idempotency key
 * @param attempt 1 for the first call, counting retries and in-doubt re-calls
 * @param inDoubt true when an earlier attempt may have had its effect but its result was never
 *                committed; the plugin must not act blindly (use the idempotency key or look the effect up)
 * @param flowState the flow's state snapshot at the last checkpoint
 * @param flowStatus the flow's status at the last checkpoint, {@code null} for a flow's first step
 * @param flowRevision the last checkpoint's revision number, 0 for a flow's first step
 */
public record TaskContext(String flowId, String requestId, String idempotencyKey, String action, int attempt,
                          boolean inDoubt, Map<String, Object> flowState, String traceparent,
                          String flowStatus, int flowRevision) {
  public TaskContext {
    // not Map.copyOf: JSON state may hold null values, which Map.copyOf rejects
    flowState = flowState == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(flowState));
  }

  /** A context without the flow's status and revision (a flow's first step, or a plugin unit test). */
  public TaskContext(String flowId, String requestId, String idempotencyKey, String action, int attempt, boolean inDoubt,
                     Map<String, Object> flowState, String traceparent) {
    this(flowId, requestId, idempotencyKey, action, attempt, inDoubt, flowState, traceparent, null, 0);
  }
}
