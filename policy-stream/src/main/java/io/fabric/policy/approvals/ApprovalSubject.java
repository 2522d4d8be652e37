package io.fabric.policy.approvals;

import io.fabric.contracts.TaskRequest;

/**
 * What an approval is about: one request of one tenant, one action, one payload (by its canonical
 * hash). {@link TokenSigner} signs it; {@link SignedTokenVerifier} checks a token against the same
 * fields of the request it is applied to.
 *
 * <p>A subject always names a flow, because the verifier refuses a token that does not: without a
 * flow id given, it is the request id, the flow the gateway starts for a request submitted without
 * one.
 */
public record ApprovalSubject(String requestId, String tenantId, String flowId, String action, String payloadSha256) {
  public ApprovalSubject {
    requireNonBlank(requestId, "request id");
    requireNonBlank(tenantId, "tenant");
    requireNonBlank(action, "action");
    requireNonBlank(payloadSha256, "payload hash");
    flowId = flowId == null || flowId.isBlank() ? requestId : flowId;
  }

  /**
   * The subject of a request.
   *
   * @throws IllegalArgumentException when its payload is not JSON, so no approval can bind to it
   */
  public static ApprovalSubject of(TaskRequest request) {
    return of(request.getRequestId(), request.getTenantId(), request.getFlowId(), request.getAction(), request.getPayload());
  }

  /**
   * The subject of a pending request known by its fields (as {@code fabric approve} sees it).
   *
   * @throws IllegalArgumentException when {@code payloadJson} is not JSON
   */
  public static ApprovalSubject of(String requestId, String tenantId, String flowId, String action, String payloadJson) {
    return new ApprovalSubject(requestId, tenantId, flowId, action, CanonicalPayload.sha256Of(payloadJson));
  }

  private static void requireNonBlank(String value, String what) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(what + " is missing");
    }
  }
}
