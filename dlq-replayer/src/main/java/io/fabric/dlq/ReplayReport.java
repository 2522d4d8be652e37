package io.fabric.dlq;

import java.util.List;

/**
 * The result of a replay or dry run: one outcome per selected dead letter, in replay order, and
 * the error that stopped the run, if any.
 */
public record ReplayReport(boolean executed, List<ReplayOutcome> outcomes, String error) {
  public ReplayReport {
    outcomes = List.copyOf(outcomes);
  }

  public long count(ReplayOutcome.Status status) {
    return outcomes.stream().filter(o -> o.status() == status).count();
  }

  /** Replayed, or in a dry run the number that would be. */
  public long replayed() {
    return count(executed ? ReplayOutcome.Status.REPLAYED : ReplayOutcome.Status.WOULD_REPLAY);
  }

  public long alreadyReplayed() {
    return count(ReplayOutcome.Status.ALREADY_REPLAYED);
  }

  public long refused() {
    return count(ReplayOutcome.Status.REFUSED);
  }

  public long failed() {
    return count(ReplayOutcome.Status.FAILED);
  }

  public long notAttempted() {
    return count(ReplayOutcome.Status.NOT_ATTEMPTED);
  }

  public boolean failedOrErrored() {
    return error != null || failed() > 0;
  }
}
