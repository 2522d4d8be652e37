package io.fabric.plugins.flows;

import io.fabric.contracts.FlowCheckpoint;

/** The {@code status} of a {@link FlowCheckpoint}: where a durable flow is in its lifecycle. */
public enum FlowStatus {
  RUNNING, COMPLETED, FAILED, ROLLING_BACK, ROLLED_BACK, COMPENSATION_FAILED;

  /** Only a running flow takes new steps; a completed, failed or rolled-back flow is closed. */
  public boolean acceptsSteps() {
    return this == RUNNING;
  }

  /** Whether a person may start a rollback: not while one runs, not once everything is undone. */
  public boolean canStartRollback() {
    return this != ROLLING_BACK && this != ROLLED_BACK;
  }

  public static FlowStatus of(FlowCheckpoint checkpoint) {
    return valueOf(checkpoint.getStatus());
  }
}
