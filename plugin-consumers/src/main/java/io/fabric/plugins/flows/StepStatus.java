package io.fabric.plugins.flows;

/** The {@code status} of a {@link io.fabric.contracts.FlowStep}. */
public enum StepStatus {
  EXECUTED, FAILED, COMPENSATED, COMPENSATION_FAILED;

  /** A step whose effect happened and has not been undone yet. */
  public boolean effectStands() {
    return this == EXECUTED || this == COMPENSATION_FAILED;
  }
}
