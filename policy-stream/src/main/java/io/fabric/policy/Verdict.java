package io.fabric.policy;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.schemas.records.Reason;
import java.util.List;

/** What the policy gate decided for one request, one approval token, or one pending request it judged again. */
public sealed interface Verdict {
  /** Allowed: goes to {@code fabric.tasks.routed} with the approvals that allowed it. */
  record Route(PolicyDecision decision, List<ApprovalToken> approvals) implements Verdict {}

  /** Never runs; {@code auditType} is non-null when security or ops must hear of it. */
  record Block(PolicyDecision decision, Reason reason, String detail, String auditType) implements Verdict {}

  /** Waits in the pending store for approvals (a new entry, or one that changed). */
  record Pend(PendingApproval pending) implements Verdict {}

  /**
   * Changes nothing (an invalid or replayed token, a reused request id): only an audit event of
   * {@code auditType} records it; no status is written, so the request it names stays as it was.
   */
  record Refuse(String auditType, String detail) implements Verdict {}

  /** Nothing to do and nothing worth recording (e.g. a pending request whose judgement did not change). */
  record Unchanged() implements Verdict {}
}
