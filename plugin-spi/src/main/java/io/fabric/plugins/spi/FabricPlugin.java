package io.fabric.plugins.spi;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An integration the fabric can execute tasks with. Plugins are found with {@link java.util.ServiceLoader}
 * (list the class in {@code META-INF/services/io.fabric.plugins.spi.FabricPlugin}), so adding one
 * is dropping a jar on the classpath. Each plugin gets its own task topic
 * {@code fabric.plugin.<name>.tasks} and consumer group.
 */
public interface FabricPlugin {
  /** Lower-case name used in topic and group names. */
  String name();

  /** The task types (actions) this plugin executes. */
  Set<String> taskTypes();

  /**
   * Executes one task. Return the structured result (merged into the flow's state); throw
   * {@link RetryableTaskException} for failures worth retrying and {@link PermanentTaskException} otherwise.
   */
  Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException;

  /** A version label when the plugin runs a canary; canary tasks then go to its canary topic. */
  default Optional<String> canaryVersion() {
    return Optional.empty();
  }

  /**
   * The longest one call of {@link #execute} or {@link #compensate} can take, every request it makes
   * and its own timeouts included (retries are separate calls). The runtime fetches no more tasks per
   * poll than calls of this length fit its consumer's {@code max.poll.interval.ms}, so a slow vendor
   * never makes it miss a poll and lose its partitions mid-batch. Empty leaves it to the runtime's
   * setting ({@code worst.case.call.ms}, 20 s by default). A call that outlasts its declaration is
   * logged; the guarantee holds only for calls within it.
   */
  default Optional<java.time.Duration> worstCaseCall() {
    return Optional.empty();
  }

  default RetryPolicy retryPolicy() {
    return RetryPolicy.DEFAULT;
  }

  /**
   * What this plugin can do when an execution is in doubt (called, but the result was never
   * committed): the runtime calls it again with {@code inDoubt=true} only when it can.
   */
  default InDoubtSupport inDoubtSupport() {
    return InDoubtSupport.NONE;
  }

  /**
   * What this plugin can do when a compensation of a {@code taskType} step is in doubt. Defaults to
   * {@link #inDoubtSupport()}; a plugin whose undo is safe to repeat (cancel by the vendor's id)
   * while its execute side is not declares it here, so a crash mid-rollback does not end the flow
   * COMPENSATION_FAILED.
   */
  default InDoubtSupport compensationInDoubtSupport(String taskType) {
    return inDoubtSupport();
  }

  /** Whether a completed step of this task type can be undone by {@link #compensate}. */
  default boolean compensable(String taskType) {
    return false;
  }

  /**
   * Undoes a completed step (refund a charge, void an envelope) during a flow rollback. {@code result}
   * is what {@link #execute} returned for the step, as checkpointed; {@code payload} is the step's
   * payload when the checkpoint records it, else empty, so a compensation should rely on its result
   * (keep the vendor's ids in it). Throw like {@link #execute}; retries and in-doubt handling are the same.
   */
  default Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                         TaskContext context) throws TaskException {
    throw new PermanentTaskException("task type " + context.action() + " of plugin " + name() + " is not compensable");
  }
}
