package io.fabric.policy.topology;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.Verdict;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.tracing.FabricTracing;
import io.fabric.schemas.tracing.Hop;
import io.opentelemetry.api.trace.SpanKind;

/**
 * The gate's spans: one per verdict it applies, under the request's own trace context (its signed
 * {@code traceparent}): {@value FabricTracing#GATE_SPAN} for a request or an expiry,
 * {@value FabricTracing#APPROVAL_SPAN} when an approval token decided it.
 */
final class GateTracing {
  private final FabricTracing tracing;

  GateTracing(FabricTracing tracing) {
    this.tracing = tracing;
  }

  Hop decision(TaskRequest request, Verdict verdict, ApprovalToken token) {
    Hop hop = tracing.start(token != null ? FabricTracing.APPROVAL_SPAN : FabricTracing.GATE_SPAN, SpanKind.CONSUMER,
            request.getTraceparent())
        .set(FabricTracing.REQUEST_ID, request.getRequestId())
        .set(FabricTracing.TENANT, request.getTenantId())
        .set(FabricTracing.FLOW_ID, request.getFlowId())
        .set(FabricTracing.ACTION, request.getAction());
    if (token != null) {
      hop.set(FabricTracing.APPROVER, token.getApprover());
    }
    if (verdict instanceof Verdict.Route route) {
      decided(hop, Outcome.ROUTED.name(), null, route.decision());
    } else if (verdict instanceof Verdict.Pend pend) {
      decided(hop, Outcome.PENDING_APPROVAL.name(), null, pend.pending().getDecision());
    } else if (verdict instanceof Verdict.Block block) {
      decided(hop, Outcome.BLOCKED.name(), block.reason().name(), block.decision());
    } else if (verdict instanceof Verdict.Refuse refuse) {
      decided(hop, "REFUSED", refuse.auditType(), null);
    }
    return hop;
  }

  private static void decided(Hop hop, String outcome, String reason, PolicyDecision decision) {
    hop.set(FabricTracing.OUTCOME, outcome).set(FabricTracing.REASON, reason);
    if (decision != null) {
      hop.set(FabricTracing.ACTION_CLASS, decision.getActionClass())
          .set(FabricTracing.RULE, decision.getRule())
          .set(FabricTracing.POLICY_VERSION, decision.getPolicyVersion());
    }
  }
}
