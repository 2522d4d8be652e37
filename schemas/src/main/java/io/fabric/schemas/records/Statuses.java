package io.fabric.schemas.records;

import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;

/** Builds the one status record shape every stage writes to {@code fabric.requests.status}. */
public final class Statuses {
  private Statuses() {}

  public static RequestStatus of(TaskRequest request, PolicyDecision decision, Outcome outcome, Reason reason,
                                 String detail, long at) {
    return RequestStatus.newBuilder()
        .setRequestId(request.getRequestId())
        .setTenantId(request.getTenantId())
        .setFlowId(request.getFlowId())
        .setAction(request.getAction())
        .setActionClass(decision == null ? null : decision.getActionClass())
        .setRule(decision == null ? null : decision.getRule())
        .setPolicyVersion(decision == null ? null : decision.getPolicyVersion())
        .setOutcome(outcome.name())
        .setReason(reason == null ? null : reason.name())
        .setDetail(detail)
        .setUpdatedAt(at)
        .setSubmitter(request.getSubmitter())
        .build();
  }
}
