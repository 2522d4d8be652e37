package io.fabric.schemas.records;

/** Where a request ended up; the {@code outcome} of {@link io.fabric.contracts.RequestStatus}. */
public enum Outcome {
  ROUTED, EXECUTED, PENDING_APPROVAL, BLOCKED, DEAD_LETTER, DUPLICATE,
  /**
   * Allowed by the policy, and waiting (durably, in order) until its limits ({@code limits.rules}) let it start
   * (reason RATE_LIMITED); or held by the gate while a breaker pauses its tenant or submitter (reason PAUSED),
   * judged again when it is reset.
   */
  HELD;

  /** True for outcomes after which nothing more happens to the request without a person acting. */
  public boolean terminal() {
    return this != ROUTED && this != PENDING_APPROVAL && this != HELD;
  }
}
