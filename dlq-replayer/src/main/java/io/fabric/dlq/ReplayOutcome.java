package io.fabric.dlq;

/** What happened to one selected dead letter in a replay run (or would happen, in a dry run). */
public record ReplayOutcome(ReplayDecision decision, Status status) {
  public enum Status {
    /** Republished, and its ledger entry committed with it. */
    REPLAYED,
    /** Dry run: would be republished by {@code --execute}. */
    WOULD_REPLAY,
    ALREADY_REPLAYED,
    REFUSED,
    /** Its transaction was aborted: nothing of it is visible, a rerun will try it again. */
    FAILED,
    /** Left for a later run: beyond {@code --max}, or after a failure stopped the run. */
    NOT_ATTEMPTED
  }

  public DeadLetterEntry entry() {
    return decision.entry();
  }
}
