package io.fabric.policy;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.NonceLedger;
import io.fabric.policy.approvals.QuorumTracker;
import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.policy.approvals.TokenVerifier.TokenVerdict;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.Reason;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The policy decision, free of Kafka: classify a request, check its tenant and token, and say
 * where it goes; and decide what an approval token does to a pending request. The processor only
 * loads state, calls this, and writes what it says.
 */
public final class PolicyGate {
  private final Policy policy;
  private final TokenVerifier verifier;
  private final RequestValidator validator;

  public PolicyGate(Policy policy, TokenVerifier verifier) {
    this.policy = policy;
    this.verifier = verifier;
    this.validator = new RequestValidator(policy.maxPayloadBytes());
  }

  public Policy policy() {
    return policy;
  }

  /** A problem that makes the request unusable, checked before anything is keyed by its fields. */
  public Optional<Verdict.Block> invalid(TaskRequest request, long now) {
    return validator.problem(request).map(problem -> new Verdict.Block(null, Reason.INVALID_REQUEST, problem, null));
  }

  /**
   * @param flowOwner the tenant that started the request's flow, or null for a new flow
   * @param nonceUsed whether a token's single-use key ({@link NonceLedger#keyOf}) was already spent
   */
  public Verdict decide(TaskRequest request, String flowOwner, Predicate<String> nonceUsed, long now) {
    Optional<Verdict.Block> invalid = invalid(request, now);
    if (invalid.isPresent()) {
      return invalid.get();
    }
    Classification classification = policy.classify(request.getTenantId(), request.getAction());
    PolicyDecision decision = decision(request, classification, now);
    if (flowOwner != null && !flowOwner.equals(request.getTenantId())) {
      return new Verdict.Block(decision, Reason.TENANT_MISMATCH, "flow " + request.getFlowId() + " belongs to another tenant; tenant "
          + request.getTenantId() + " may not add steps to it", AuditEvents.SECURITY_EVENT);
    }
    switch (classification.actionClass()) {
      case C:
        return new Verdict.Block(decision, Reason.FORBIDDEN, "action " + request.getAction() + " is forbidden (class C, rule "
            + classification.rule() + ") and never runs, with or without approval", AuditEvents.POLICY_VIOLATION);
      case A:
        return new Verdict.Route(decision, List.of());
      default:
        break;
    }
    PendingApproval pending = pending(request, decision, now);
    if (request.getApprovalToken() == null) {
      return new Verdict.Pend(pending);
    }
    ApprovalToken token;
    try {
      token = verifier.decode(request.getApprovalToken());
    } catch (TokenVerifier.InvalidTokenException e) {
      return new Verdict.Block(decision, Reason.INVALID_TOKEN, "attached approval token is unreadable: " + e.getMessage(), AuditEvents.TOKEN_REJECTED);
    }
    Optional<String> problem = tokenProblem(token, request, nonceUsed, now);
    if (problem.isPresent()) {
      return new Verdict.Block(decision, Reason.INVALID_TOKEN, "attached approval token rejected: " + problem.get(), AuditEvents.TOKEN_REJECTED);
    }
    return count(pending, token);
  }

  /** What a token published to {@code fabric.approvals} does to the pending request it names. */
  public Verdict onApproval(PendingApproval pending, ApprovalToken token, Predicate<String> nonceUsed, long now) {
    if (pending == null) {
      return new Verdict.RejectToken("no pending request " + token.getRequestId() + " (already released, blocked, expired, or never pending)");
    }
    if (!"B".equals(pending.getDecision().getActionClass())) {
      return new Verdict.RejectToken("request " + token.getRequestId() + " is class " + pending.getDecision().getActionClass() + " and cannot be approved");
    }
    Optional<String> problem = tokenProblem(token, pending.getRequest(), nonceUsed, now);
    if (problem.isPresent()) {
      return new Verdict.RejectToken(problem.get());
    }
    return count(pending, token);
  }

  private Verdict count(PendingApproval pending, ApprovalToken token) {
    QuorumTracker.Outcome outcome = QuorumTracker.fromTokens(pending.getApprovalsNeeded(), pending.getApprovals()).record(token);
    switch (outcome.status()) {
      case REJECTED:
        return new Verdict.Block(pending.getDecision(), Reason.APPROVAL_REJECTED, "rejected by " + token.getApprover()
            + (token.getReason().isBlank() ? "" : ": " + token.getReason()), null);
      case NOT_COUNTED:
        return new Verdict.RejectToken(outcome.note());
      default:
        List<ApprovalToken> approvals = new ArrayList<>(pending.getApprovals());
        approvals.add(token);
        if (outcome.status() == QuorumTracker.Status.RELEASED) {
          return new Verdict.Route(pending.getDecision(), approvals);
        }
        return new Verdict.Pend(PendingApproval.newBuilder(pending).setApprovals(approvals).build());
    }
  }

  private Optional<String> tokenProblem(ApprovalToken token, TaskRequest request, Predicate<String> nonceUsed, long now) {
    TokenVerdict verdict = verifier.verify(token, request, now);
    if (!verdict.valid()) {
      return Optional.of(verdict.problem());
    }
    if (nonceUsed.test(NonceLedger.keyOf(token))) {
      return Optional.of("replayed token: nonce " + token.getNonce() + " of approver " + token.getApprover()
          + " was already used, and a token works once");
    }
    return Optional.empty();
  }

  private PendingApproval pending(TaskRequest request, PolicyDecision decision, long now) {
    ApprovalRules rules = policy.approvals();
    return PendingApproval.newBuilder()
        .setRequest(request)
        .setDecision(decision)
        .setPendingSince(now)
        .setDeadline(now + rules.deadlineFor(request.getAction()).toMillis())
        .setApprovalsNeeded(rules.quorumFor(request.getAction()))
        .setApprovals(List.of())
        .setSlaWarned(false)
        .build();
  }

  private PolicyDecision decision(TaskRequest request, Classification classification, long now) {
    return PolicyDecision.newBuilder()
        .setActionClass(classification.actionClass().name())
        .setRule(classification.rule())
        .setPolicyVersion(policy.version())
        .setDecidedAt(now)
        .setCanary(policy.isCanary(request.getTenantId()))
        .build();
  }

  /** When a pending request should get its SLA warning. */
  public long slaWarningAt(PendingApproval pending) {
    long span = pending.getDeadline() - pending.getPendingSince();
    return pending.getPendingSince() + (long) (span * policy.approvals().slaWarningFraction());
  }
}
