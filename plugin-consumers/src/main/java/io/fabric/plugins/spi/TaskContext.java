package io.fabric.plugins.spi;

import java.util.Map;

/**
 * What a plugin knows about the task beyond its payload.
 *
 * @param inDoubt true when an earlier attempt may have had its effect but its result was never
 *                committed; the plugin must not act blindly (use the idempotency key or look the effect up)
 * @param flowState the flow's state snapshot at the last checkpoint
 */
public record TaskContext(String flowId, String requestId, String idempotencyKey, String action, int attempt,
                          boolean inDoubt, Map<String, Object> flowState, String traceparent) {
  public TaskContext {
    flowState = flowState == null ? Map.of() : Map.copyOf(flowState);
  }
}
