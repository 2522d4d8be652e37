package io.fabric.plugins.runtime;

import io.fabric.contracts.FlowStep;
import io.fabric.schemas.records.Reason;

/** What the runtime does with one task, as {@link StepDecider} decides it. */
sealed interface StepDecision {
  /** The step is checkpointed already: consume the task; {@code executed} also puts the request's status back to EXECUTED. */
  record Skip(boolean executed) implements StepDecision {}

  /** Dead-letter the task with this reason; the flow is left as it is. */
  record Refuse(Reason reason, String why) implements StepDecision {}

  /** Call the plugin's {@code execute}; {@code rerun} when a replay reruns a step that failed. */
  record Run(boolean rerun) implements StepDecision {}

  /** A rollback with nothing to do here (no checkpoint, rolled back already): consume it. */
  record Ignore(String why) implements StepDecision {}

  /** A rollback with no compensable step left: checkpoint the flow ROLLED_BACK. */
  record FinishRollback() implements StepDecision {}

  /** A rollback whose next step belongs to another plugin: pass the request on to its task topic. */
  record Forward(String plugin) implements StepDecision {}

  /** A rollback whose next step is this plugin's: compensate it. */
  record Compensate(FlowStep step) implements StepDecision {}
}
