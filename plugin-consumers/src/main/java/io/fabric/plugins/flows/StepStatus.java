package io.fabric.plugins.flows;

/** The {@code status} of a {@link io.fabric.contracts.FlowStep}. */
public enum StepStatus {
  /** A long-running job started at the vendor and not finished yet (see {@link io.fabric.plugins.spi.LongRunningJobs}). */
  STARTED,
  EXECUTED, FAILED, COMPENSATED, COMPENSATION_FAILED;

  /** A step whose effect happened (or, for a started job, is happening) and has not been undone yet. */
  public boolean effectStands() {
    return this == EXECUTED || this == COMPENSATION_FAILED || this == STARTED;
  }
}
