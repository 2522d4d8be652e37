package io.fabric.policy.escalation;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.Policy;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The notifications of one escalation step of a request waiting for approval, as tasks the gate
 * itself routes (through {@code fabric.tasks.routed} and the router, like any allowed task) to the
 * plugin of each target. They are the gate's own decisions, not an agent's: the policy fixes who
 * and through which plugin, the fabric writes the text, and each carries the reserved attribute
 * {@value #ATTRIBUTE} (which the gate refuses on ingress, so nobody can submit one). Each has its own
 * request id, flow and idempotency key derived from (request id, step, target), so it is sent at most
 * once per step, and its failure (a dead letter of its own) never touches the request it is about.
 */
public final class ApprovalNotices {
  /** Marks a notification task: {@code REQUEST_ID:STEP}. */
  public static final String ATTRIBUTE = "fabric.approval-notice";
  public static final String SOURCE = "fabric:escalation";
  /** Where the console shows a pending request; the text also gives the command. */
  public static final String CONSOLE_PATH = "/console/approvals/";

  private ApprovalNotices() {}

  /**
   * The notifications of {@code step} (0 when the request starts waiting, 1 at the SLA warning) for
   * {@code pending}; none when its action's chain has no group at that step.
   */
  public static List<RoutedTask> forStep(PendingApproval pending, Policy policy, int step, long now) {
    TaskRequest request = pending.getRequest();
    EscalationRules rules = policy.escalation();
    return rules.groupAt(request.getAction(), step).map(group -> {
      List<RoutedTask> notices = new ArrayList<>();
      List<EscalationRules.Target> targets = rules.groups().get(group);
      for (int i = 0; i < targets.size(); i++) {
        notices.add(notice(pending, policy, group, step, i, targets.get(i), now));
      }
      return notices;
    }).orElse(List.of());
  }

  /** The idempotency key of one notification: the same for a step and target whenever it is computed. */
  public static String idempotencyKey(String requestId, int step, int target) {
    return "approval-notice:" + requestId + ":" + step + ":" + target;
  }

  /**
   * The request id (and flow) of one notification: derived from what it is about, so the same whenever it is
   * computed, and scoped to the tenant ({@code tenant:T:notice-UUID}). A notice skips the request-id stage and
   * flow ownership; for a guessable request id (one chosen through the gateway) another tenant could compute an
   * unscoped notice id and use it, as id and flow, before the notice, whose runtime would then refuse it against
   * that tenant's checkpoint. The gate refuses a scoped id or flow from any other tenant.
   */
  public static String noticeId(String tenant, String requestId, int step, int target) {
    return ReservedNames.tenantScopedRequestId(tenant,
        "notice-" + UUID.nameUUIDFromBytes(idempotencyKey(requestId, step, target).getBytes(StandardCharsets.UTF_8)));
  }

  private static RoutedTask notice(PendingApproval pending, Policy policy, String group, int step, int index, EscalationRules.Target target,
                                   long now) {
    TaskRequest about = pending.getRequest();
    String key = idempotencyKey(about.getRequestId(), step, index);
    String id = noticeId(about.getTenantId(), about.getRequestId(), step, index);
    String subject = (step == 0 ? "Approval needed: " : "Escalated, approval still needed: ") + about.getAction() + " for " + about.getTenantId();
    String text = subject + " (request " + about.getRequestId() + ", " + pending.getApprovalsNeeded() + " approval(s) needed, expires "
        + Instant.ofEpochMilli(pending.getDeadline()) + ").\nReview it in the console at " + CONSOLE_PATH + about.getRequestId()
        + " or with: fabric approvals show " + about.getRequestId();
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    target.fields().forEach(payload::put);
    payload.put("subject", subject);
    payload.put("text", text);
    payload.put("request_id", about.getRequestId());
    TaskRequest request = TaskRequest.newBuilder()
        .setRequestId(id)
        .setTenantId(about.getTenantId())
        .setFlowId(id)
        .setAction(target.action())
        .setPayload(payload.toString())
        .setIdempotencyKey(key)
        .setSubmittedAt(now)
        .setSource(SOURCE)
        .setTraceparent(about.getTraceparent())
        .setFinalStep(true)
        .setAttributes(Map.of(ATTRIBUTE, about.getRequestId() + ":" + step))
        .build();
    PolicyDecision decision = PolicyDecision.newBuilder()
        .setActionClass("A")
        .setRule("escalation:" + group + ":step-" + step)
        .setPolicyVersion(policy.version())
        .setDecidedAt(now)
        .setCanary(false)
        .build();
    return RoutedTask.newBuilder().setRequest(request).setDecision(decision).setApprovals(List.of()).build();
  }
}
