package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Counts approvals of one pending request toward its M-of-N quorum: the request is released when
 * {@code approvalsNeeded} distinct approvers have approved, and rejected by any one valid rejection.
 * Pure and immutable, so the gate keeps the approvers counted so far in its pending-request store
 * and {@link #restore}s the tracker from them.
 *
 * <p>The tracker expects tokens the gate already verified and claimed ({@link SignedTokenVerifier},
 * {@link NonceLedger}). Distinct means distinct approver names: a second approval by the same
 * approver, even with a fresh token, is not counted and is reported so it can be audited.
 */
public final class QuorumTracker {
  /** Where a pending request stands after a decision arrived. */
  public enum Status {
    /** The quorum is reached: release the request. */
    RELEASED,
    /** Counted, but more approvals are needed. */
    WAITING,
    /** A valid rejection arrived: block the request as APPROVAL_REJECTED. */
    REJECTED,
    /** The decision did not count (see {@link Outcome#note}); the request is still waiting. */
    NOT_COUNTED
  }

  /**
   * The result of one decision.
   *
   * @param tracker the state to store for the request from now on
   * @param note a short human-readable account for the audit trail
   */
  public record Outcome(Status status, QuorumTracker tracker, String note) {}

  private final int approvalsNeeded;
  private final List<String> approvedBy;

  private QuorumTracker(int approvalsNeeded, Collection<String> approvedBy) {
    if (approvalsNeeded < 1) {
      throw new IllegalArgumentException("a quorum needs at least one approval, got " + approvalsNeeded);
    }
    this.approvalsNeeded = approvalsNeeded;
    this.approvedBy = List.copyOf(new LinkedHashSet<>(approvedBy));
  }

  /** A tracker for a request that has no approvals yet. */
  public static QuorumTracker requiring(int approvalsNeeded) {
    return new QuorumTracker(approvalsNeeded, List.of());
  }

  /** A tracker for a request that the given approvers already approved (repeats collapse). */
  public static QuorumTracker restore(int approvalsNeeded, Collection<String> approvedBy) {
    return new QuorumTracker(approvalsNeeded, approvedBy);
  }

  /** A tracker for a request whose verified approval tokens so far are {@code approvals}. */
  public static QuorumTracker fromTokens(int approvalsNeeded, Collection<ApprovalToken> approvals) {
    return new QuorumTracker(approvalsNeeded, approvals.stream().map(ApprovalToken::getApprover).toList());
  }

  public int approvalsNeeded() {
    return approvalsNeeded;
  }

  /** The distinct approvers counted so far, in arrival order. */
  public List<String> approvedBy() {
    return approvedBy;
  }

  public int remaining() {
    return Math.max(0, approvalsNeeded - approvedBy.size());
  }

  public boolean isReached() {
    return remaining() == 0;
  }

  /** Records the decision of a verified token. */
  public Outcome record(ApprovalToken verifiedToken) {
    return record(verifiedToken.getApprover(), ApprovalDecision.of(verifiedToken));
  }

  /** Records {@code approver}'s {@code decision}. */
  public Outcome record(String approver, ApprovalDecision decision) {
    if (isReached()) {
      return new Outcome(Status.NOT_COUNTED, this, "the request already has its " + approvalsNeeded
          + " approval(s); " + approver + "'s " + decision.name().toLowerCase(Locale.ROOT) + " is not counted");
    }
    if (decision == ApprovalDecision.REJECT) {
      return new Outcome(Status.REJECTED, this, "rejected by " + approver);
    }
    if (approvedBy.contains(approver)) {
      return new Outcome(Status.NOT_COUNTED, this, "approver " + approver
          + " already approved this request; an approver counts once toward the quorum ("
          + approvedBy.size() + " of " + approvalsNeeded + ")");
    }
    Set<String> counted = new LinkedHashSet<>(approvedBy);
    counted.add(approver);
    QuorumTracker next = new QuorumTracker(approvalsNeeded, counted);
    if (next.isReached()) {
      return new Outcome(Status.RELEASED, next, "approved by " + String.join(", ", next.approvedBy)
          + " (" + next.approvedBy.size() + " of " + approvalsNeeded + ")");
    }
    return new Outcome(Status.WAITING, next, "approved by " + approver + "; " + next.approvedBy.size() + " of "
        + approvalsNeeded + " approvals, waiting for " + next.remaining() + " more");
  }

  @Override
  public String toString() {
    return "QuorumTracker{" + approvedBy.size() + " of " + approvalsNeeded + ", approvedBy=" + approvedBy + "}";
  }
}
