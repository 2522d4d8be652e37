package io.fabric.policy;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.schemas.records.Reason;
import java.util.List;

/** What the policy gate decided for one request or one approval token. */
public sealed interface Verdict {
  /** Allowed: goes to {@code fabric.tasks.routed} with the approvals that allowed it. */
  record Route(PolicyDecision decision, List<ApprovalToken> approvals) implements Verdict {}

  /** Never runs; {@code auditType} is non-null when security or ops must hear of it. */
  record Block(PolicyDecision decision, Reason reason, String detail, String auditType) implements Verdict {}

  /** Waits in the pending store for approvals. */
  record Pend(PendingApproval pending) implements Verdict {}

  /** A token that changes nothing (invalid, replayed, unknown request): audited, the request stays as it was. */
  record RejectToken(String detail) implements Verdict {}
}
