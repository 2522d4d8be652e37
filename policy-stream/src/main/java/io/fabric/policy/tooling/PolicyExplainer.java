package io.fabric.policy.tooling;

import io.fabric.contracts.TaskRequest;
import io.fabric.policy.ActionClass;
import io.fabric.policy.ApprovalRules;
import io.fabric.policy.Classification;
import io.fabric.policy.Policy;
import io.fabric.policy.RequestValidator;
import io.fabric.schemas.records.Reason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the gate would do with one request under a policy, without Kafka: the class, the rule that
 * matched, the policy version, and whether it runs, waits for approval (with quorum and deadline) or
 * is blocked (with the reason). {@code fabric policy explain} and {@code fabric policy test} print it.
 *
 * <p>It answers from the policy alone, the same {@link Policy#classify} and {@link RequestValidator}
 * the gate calls. What depends on the gate's state or the submitter registry (a duplicate, another
 * tenant's flow, a token, a signature) is not judged here; {@link Explanation#notJudged} says so.
 */
public final class PolicyExplainer {
  /** What the gate does with a request. */
  public enum Outcome { RUNS, WAITS_FOR_APPROVAL, BLOCKED }

  /** A request to explain; {@code submitter} and {@code payload} may be null (payload {@code {}}). */
  public record Probe(String tenant, String action, String submitter, String payload) {
    public static Probe of(String tenant, String action) {
      return new Probe(tenant, action, null, null);
    }
  }

  /**
   * The gate's answer for one probe; {@code quorum}, {@code deadline} and {@code slaWarningAfter} are
   * set only when it waits for approval; {@code reason} only when it is blocked; {@code limits} describes each rule of
   * {@code limits.rules} that counts the request once it may run (see {@link io.fabric.policy.limits.LimitRule#describe}).
   */
  public record Explanation(Probe probe, ActionClass actionClass, String rule, String policyVersion, Outcome outcome,
                            Reason reason, String detail, Integer quorum, Duration deadline, Duration slaWarningAfter, boolean canary,
                            List<String> limits) {
    /** What the gate also checks, which an explanation from the policy alone cannot judge. */
    public static final String NOT_JUDGED = "not judged here: the submitter's signature and scope, duplicates, the flow's owner, approval tokens";

    public String notJudged() {
      return NOT_JUDGED;
    }

    /** One line for people, e.g. {@code WAITS_FOR_APPROVAL  class B  rule policy:class-b  quorum 2  deadline PT2H}. */
    public String summary() {
      StringBuilder line = new StringBuilder(outcome.name());
      if (actionClass != null) {
        line.append("  class ").append(actionClass).append("  rule ").append(rule);
      }
      if (outcome == Outcome.WAITS_FOR_APPROVAL) {
        line.append("  quorum ").append(quorum).append("  deadline ").append(deadline).append("  sla warning after ").append(slaWarningAfter);
      }
      if (reason != null) {
        line.append("  reason ").append(reason);
      }
      line.append("  policy ").append(policyVersion);
      if (canary) {
        line.append("  canary");
      }
      if (!limits.isEmpty()) {
        line.append("  limits ").append(String.join("; ", limits));
      }
      return line.toString();
    }
  }

  private static final String PROBE_ID = "policy-explain";

  private final Policy policy;
  private final RequestValidator validator;

  public PolicyExplainer(Policy policy) {
    this.policy = policy;
    this.validator = new RequestValidator(policy.maxPayloadBytes());
  }

  public Explanation explain(Probe probe) {
    Optional<RequestValidator.Problem> invalid = validator.problem(request(probe), false);
    if (invalid.isPresent()) {
      return new Explanation(probe, null, null, policy.version(), Outcome.BLOCKED, Reason.INVALID_REQUEST, invalid.get().detail(),
          null, null, null, false, List.of());
    }
    Classification classification = policy.classify(probe.tenant(), probe.action());
    boolean canary = policy.isCanary(probe.tenant());
    // the budget a request draws on is the submitter's only when requests are signed: explain names the rule, not the budget
    List<String> limits = policy.limits().applying(probe.tenant(), probe.action(), classification.actionClass()).stream()
        .map(io.fabric.policy.limits.LimitRule::describe).toList();
    return switch (classification.actionClass()) {
      case A -> new Explanation(probe, ActionClass.A, classification.rule(), policy.version(), Outcome.RUNS, null,
          "routed at once to its plugin" + (limits.isEmpty() ? "" : ", when its limits allow"), null, null, null, canary, limits);
      case C -> new Explanation(probe, ActionClass.C, classification.rule(), policy.version(), Outcome.BLOCKED, Reason.FORBIDDEN,
          "class C never runs, with or without approval", null, null, null, canary, List.of());
      case B -> {
        ApprovalRules rules = policy.approvals();
        Duration deadline = rules.deadlineFor(probe.action());
        Duration warning = Duration.ofMillis((long) (deadline.toMillis() * rules.slaWarningFraction()));
        int quorum = rules.quorumFor(probe.action());
        yield new Explanation(probe, ActionClass.B, classification.rule(), policy.version(), Outcome.WAITS_FOR_APPROVAL, null,
            "waits for " + quorum + " distinct approver(s); blocked APPROVAL_EXPIRED after " + deadline, quorum, deadline, warning, canary, limits);
      }
    };
  }

  /** The request the gate would see, with placeholder ids that pass its charset checks. */
  private static TaskRequest request(Probe probe) {
    return TaskRequest.newBuilder()
        .setRequestId(PROBE_ID)
        .setFlowId(PROBE_ID)
        .setIdempotencyKey(PROBE_ID)
        .setTenantId(probe.tenant() == null ? "" : probe.tenant())
        .setAction(probe.action() == null ? "" : probe.action())
        .setPayload(probe.payload() == null ? "{}" : probe.payload())
        .setSubmitter(probe.submitter())
        .setSubmittedAt(0L)
        .setSource("fabric policy explain")
        .setAttributes(Map.of())
        .build();
  }
}
