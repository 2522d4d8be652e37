package io.fabric.policy;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.NonceLedger;
import io.fabric.policy.approvals.QuorumTracker;
import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.policy.approvals.TokenVerifier.TokenVerdict;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.Reason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The policy decision, free of Kafka: admit a request, classify it, check its tenant and token, and
 * say where it goes; decide what an approval token does to a pending request; and judge a pending
 * request again by the policy in force now. The processors only load state, call this, and apply
 * the {@link Verdict}.
 */
public final class PolicyGate {
  private final Policy policy;
  private final TokenVerifier verifier;
  private final RequestValidator validator;
  private final SubmitterVerifier submitters;

  public PolicyGate(Policy policy, TokenVerifier verifier) {
    this(policy, verifier, null);
  }

  /**
   * @param submitters who may submit requests; null runs the gate open (any producer may submit for
   *     any tenant), as without a submitter registry
   */
  public PolicyGate(Policy policy, TokenVerifier verifier, SubmitterVerifier submitters) {
    this.policy = policy;
    this.verifier = verifier;
    this.validator = new RequestValidator(policy.maxPayloadBytes());
    this.submitters = submitters;
  }

  /** The same gate (verifiers and registries) deciding by another policy: a published one, see {@link PublishedPolicy}. */
  public PolicyGate withPolicy(Policy other) {
    return other == policy ? this : new PolicyGate(other, verifier, submitters);
  }

  /** Who may lift a tripped breaker: the registered approvers this gate trusts, with the reset action in scope. */
  public io.fabric.policy.breakers.BreakerResetVerifier breakerResets() {
    return new io.fabric.policy.breakers.BreakerResetVerifier(verifier::approver);
  }

  /**
   * How long a replay's identity must be remembered to refuse its copies ({@link io.fabric.policy.identity.SpentReplays}):
   * its signature's lifetime; a gate without a submitter registry checks no signature and uses the default one.
   */
  public Duration replaySignatureLifetime() {
    return submitters != null ? submitters.signatureLifetime() : PolicyFile.SIGNED_REQUEST_LIFETIME;
  }

  /** Whether requests must be signed by a registered submitter. */
  public boolean requiresSignedRequests() {
    return submitters != null;
  }

  public Policy policy() {
    return policy;
  }

  public StateRetention retention() {
    return policy.retention();
  }

  /**
   * A request refused where it entered; {@code claimsId} when it is a submitter's own signed request
   * (refused for its time, scope or content): its id is then taken, so the same bytes can never run
   * later, when the time or scope would let them.
   */
  public record Refusal(Verdict.Block block, boolean claimsId) {}

  /**
   * The one validation of a request, before anything is keyed by its fields: who signed it first
   * (when the gate requires signed requests; a replay must be signed by the DLQ replayer), then whether
   * its request id and its flow id are its tenant's to use ({@link RequestIdScope}), then its contract. Forged claims and
   * failed signatures are also security events.
   */
  public Optional<Refusal> admit(TaskRequest request, boolean fromReplays, long now) {
    boolean authentic = false;
    if (submitters != null) {
      Optional<SubmitterVerifier.Refusal> who = submitters.check(request, now);
      if (who.isPresent()) {
        return Optional.of(new Refusal(new Verdict.Block(null, who.get().reason(), who.get().detail(), AuditEvents.SECURITY_EVENT),
            who.get().authentic() && RequestIdScope.refusalMayClaim(request, submitters::mayActFor)));
      }
      authentic = true;
    }
    Optional<String> idOwner = RequestIdScope.foreignOwner(request);
    if (idOwner.isPresent()) {
      // never claims: the id is another tenant's, whose request must find it free (and its status unwritten)
      return Optional.of(new Refusal(new Verdict.Block(null, Reason.UNAUTHORIZED, RequestIdScope.detail(request, idOwner.get()),
          AuditEvents.SECURITY_EVENT), false));
    }
    Optional<String> flowOwner = RequestIdScope.foreignFlowOwner(request);
    if (flowOwner.isPresent()) {
      // the request's own id, so a signed one takes it as for any refusal; the flow stays free (a blocked request owns none)
      return Optional.of(new Refusal(new Verdict.Block(null, Reason.UNAUTHORIZED, RequestIdScope.flowDetail(request, flowOwner.get()),
          AuditEvents.SECURITY_EVENT), authentic));
    }
    boolean claimsId = authentic;
    return validator.problem(request, fromReplays).map(problem -> new Refusal(new Verdict.Block(null, Reason.INVALID_REQUEST,
        problem.detail(), problem.forgery() ? AuditEvents.SECURITY_EVENT : null), claimsId));
  }

  /**
   * A request admitted with a signature must still stand when it is released: its submitter still
   * registered, with the same key and a scope that covers it; for a replay, the replayer that signed it.
   */
  private Optional<Verdict.Block> submitterRevoked(PendingApproval pending) {
    TaskRequest request = pending.getRequest();
    if (submitters == null) {
      return Optional.empty();
    }
    return submitters.checkStanding(request).map(refusal -> new Verdict.Block(pending.getDecision(), refusal.reason(),
        "the submitter no longer stands behind this request: " + refusal.detail(), AuditEvents.SECURITY_EVENT));
  }

  /**
   * A request that {@link #admit}ted.
   *
   * @param flowOwner the tenant that owns the request's flow, or null for a new (or lapsed) flow
   * @param nonceUsed whether a token's single-use key ({@link NonceLedger#keyOf}) was already spent
   */
  public Verdict decide(TaskRequest request, String flowOwner, Predicate<String> nonceUsed, long now) {
    Classification classification = policy.classify(request.getTenantId(), request.getAction());
    PolicyDecision decision = decision(request, classification, now);
    if (flowOwner != null && !flowOwner.equals(request.getTenantId())) {
      return new Verdict.Block(decision, Reason.TENANT_MISMATCH, "flow " + request.getFlowId() + " belongs to another tenant; tenant "
          + request.getTenantId() + " may not add steps to it", AuditEvents.SECURITY_EVENT);
    }
    switch (classification.actionClass()) {
      case C:
        return forbidden(decision, request, classification, "");
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

  /**
   * What a token published to {@code fabric.approvals} does to the pending request it names. The
   * request is judged again first ({@link #rejudge}): an action made forbidden while it waited is
   * blocked, and a token that arrives after the deadline releases nothing, whether or not the
   * deadline punctuator has run yet.
   */
  public Verdict onApproval(PendingApproval pending, ApprovalToken token, Predicate<String> nonceUsed, long now) {
    if (pending == null) {
      return rejected(token, "no pending request " + token.getRequestId() + " (already released, blocked, expired, or never pending)");
    }
    Verdict judged = rejudge(pending, now);
    if (judged instanceof Verdict.Block || judged instanceof Verdict.Route) {
      return judged;
    }
    PendingApproval current = judged instanceof Verdict.Pend pend ? pend.pending() : pending;
    Optional<String> problem = tokenProblem(token, current.getRequest(), nonceUsed, now);
    if (problem.isPresent()) {
      return rejected(token, problem.get());
    }
    return count(current, token);
  }

  /**
   * A pending request judged by the policy in force now: its class, quorum and deadline are
   * recomputed (the deadline still counts from when it started waiting). Forbidden now: blocked.
   * Past the deadline: expired. Class A now, or quorum already met: released. Otherwise it waits,
   * with the recomputed terms if they changed.
   */
  public Verdict rejudge(PendingApproval pending, long now) {
    TaskRequest request = pending.getRequest();
    Classification classification = policy.classify(request.getTenantId(), request.getAction());
    PolicyDecision decision = decision(request, classification, now);
    if (classification.actionClass() == ActionClass.C) {
      return forbidden(decision, request, classification, " It became forbidden while it waited for approval (policy "
          + pending.getDecision().getPolicyVersion() + " -> " + policy.version() + ").");
    }
    long deadline = deadlineOf(pending);
    if (now >= deadline) {
      return new Verdict.Block(pending.getDecision(), Reason.APPROVAL_EXPIRED, "no approval within the deadline ("
          + Duration.ofMillis(deadline - pending.getPendingSince()) + ")", AuditEvents.APPROVAL_EXPIRED);
    }
    List<ApprovalToken> approvals = pending.getApprovals();
    int needed = policy.approvals().quorumFor(request.getAction());
    boolean releasable = classification.actionClass() == ActionClass.A || QuorumTracker.fromTokens(needed, approvals).isReached();
    if (releasable) {
      // verified again only when they would release it: the punctuator runs this every second
      approvals = stillTrusted(pending);
      if (classification.actionClass() == ActionClass.A || QuorumTracker.fromTokens(needed, approvals).isReached()) {
        Optional<Verdict.Block> revoked = submitterRevoked(pending);
        return revoked.isPresent() ? revoked.get() : new Verdict.Route(decision, approvals);
      }
    }
    boolean sameTerms = needed == pending.getApprovalsNeeded() && deadline == pending.getDeadline()
        && approvals.size() == pending.getApprovals().size()
        && Objects.equals(pending.getDecision().getPolicyVersion(), policy.version())
        && Objects.equals(pending.getDecision().getRule(), classification.rule());
    if (sameTerms) {
      return new Verdict.Unchanged();
    }
    return new Verdict.Pend(PendingApproval.newBuilder(pending).setDecision(decision).setApprovalsNeeded(needed).setDeadline(deadline)
        .setApprovals(approvals).build());
  }

  /**
   * A request the gate routed that waited for its limits, judged again by the policy in force as it
   * is released, as a pending request is: forbidden now, it is blocked {@code FORBIDDEN}; class A, or
   * class B with a quorum its still-trusted approvals meet, it is routed with a decision of this
   * policy; class B without that quorum (the action now needs more approval than it came with), it is
   * blocked {@code RATE_LIMITED}, since only the gate's approval stage can wait for approvers.
   */
  public Verdict recheckHeld(io.fabric.contracts.RoutedTask task, long now) {
    TaskRequest request = task.getRequest();
    Classification classification = policy.classify(request.getTenantId(), request.getAction());
    PolicyDecision decision = decision(request, classification, now);
    String versions = " (policy " + task.getDecision().getPolicyVersion() + " -> " + policy.version() + ")";
    if (classification.actionClass() == ActionClass.C) {
      return forbidden(decision, request, classification, " It became forbidden while it was held for its limits" + versions + ".");
    }
    PendingApproval asPending = PendingApproval.newBuilder().setRequest(request).setDecision(task.getDecision()).setPendingSince(now)
        .setDeadline(now).setApprovalsNeeded(0).setApprovals(task.getApprovals()).setSlaWarned(false).build();
    List<ApprovalToken> approvals = classification.actionClass() == ActionClass.A ? task.getApprovals() : stillTrusted(asPending);
    int needed = policy.approvals().quorumFor(request.getAction());
    if (classification.actionClass() == ActionClass.B && !QuorumTracker.fromTokens(needed, approvals).isReached()) {
      return new Verdict.Block(decision, Reason.RATE_LIMITED, "held for its limits, and meanwhile the policy requires " + needed
          + " approval(s) it does not have" + versions + "; submit it again to ask for them", null);
    }
    Optional<Verdict.Block> revoked = submitterRevoked(asPending);
    if (revoked.isPresent()) {
      return revoked.get();
    }
    boolean samePolicy = Objects.equals(task.getDecision().getPolicyVersion(), policy.version());
    return new Verdict.Route(samePolicy ? task.getDecision() : decision, approvals);
  }

  /** When a pending request should get its SLA warning. */
  public long slaWarningAt(PendingApproval pending) {
    long span = pending.getDeadline() - pending.getPendingSince();
    return pending.getPendingSince() + (long) (span * policy.approvals().slaWarningFraction());
  }

  private long deadlineOf(PendingApproval pending) {
    return pending.getPendingSince() + policy.approvals().deadlineFor(pending.getRequest().getAction()).toMillis();
  }

  private static Verdict.Block forbidden(PolicyDecision decision, TaskRequest request, Classification classification, String why) {
    return new Verdict.Block(decision, Reason.FORBIDDEN, "action " + request.getAction() + " is forbidden (class C, rule "
        + classification.rule() + ") and never runs, with or without approval." + why, AuditEvents.POLICY_VIOLATION);
  }

  private static Verdict.Refuse rejected(ApprovalToken token, String detail) {
    return new Verdict.Refuse(AuditEvents.TOKEN_REJECTED, "token from " + token.getApprover() + " for request " + token.getRequestId()
        + " rejected: " + detail);
  }

  /**
   * The approvals counted so far that the gate still trusts: each is verified again as of when it was
   * issued, so an approver removed from the registry (or whose scope shrank) no longer counts, while
   * an approval that was valid on arrival keeps counting after its token's expiry (a quorum may take
   * longer than a token lives; the request's deadline bounds it).
   */
  private List<ApprovalToken> stillTrusted(PendingApproval pending) {
    return pending.getApprovals().stream()
        .filter(t -> verifier.verify(t, pending.getRequest(), t.getIssuedAt()).valid())
        .toList();
  }

  private Verdict count(PendingApproval stored, ApprovalToken token) {
    PendingApproval pending = PendingApproval.newBuilder(stored).setApprovals(stillTrusted(stored)).build();
    QuorumTracker.Outcome outcome = QuorumTracker.fromTokens(pending.getApprovalsNeeded(), pending.getApprovals()).record(token);
    switch (outcome.status()) {
      case REJECTED:
        return new Verdict.Block(pending.getDecision(), Reason.APPROVAL_REJECTED, "rejected by " + token.getApprover()
            + (token.getReason().isBlank() ? "" : ": " + token.getReason()), AuditEvents.APPROVAL_REJECTED);
      case NOT_COUNTED:
        return rejected(token, outcome.note());
      default:
        List<ApprovalToken> approvals = new ArrayList<>(pending.getApprovals());
        approvals.add(token);
        if (outcome.status() == QuorumTracker.Status.RELEASED) {
          Optional<Verdict.Block> revoked = submitterRevoked(pending);
          return revoked.isPresent() ? revoked.get() : new Verdict.Route(pending.getDecision(), approvals);
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
}
