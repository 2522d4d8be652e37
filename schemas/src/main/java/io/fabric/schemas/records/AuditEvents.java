package io.fabric.schemas.records;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.TaskRequest;
import java.util.UUID;

/** Builds audit events about one request; the type names what a security or ops person searches for. */
public final class AuditEvents {
  public static final String POLICY_VIOLATION = "POLICY_VIOLATION";
  public static final String SECURITY_EVENT = "SECURITY_EVENT";
  public static final String TOKEN_REJECTED = "TOKEN_REJECTED";
  public static final String SLA_WARNING = "SLA_WARNING";
  public static final String UNKNOWN_TASK_TYPE = "UNKNOWN_TASK_TYPE";
  public static final String EXECUTION_FAILED = "EXECUTION_FAILED";
  public static final String INVALID_REQUEST = "INVALID_REQUEST";
  public static final String UNDECODABLE_RECORD = "UNDECODABLE_RECORD";
  public static final String EXECUTION_IN_DOUBT = "EXECUTION_IN_DOUBT";
  public static final String COMPENSATION_FAILED = "COMPENSATION_FAILED";
  /** A step of a rolled-back flow was undone by its plugin. */
  public static final String COMPENSATED = "COMPENSATED";
  /** An approval token counted for its request (attached to it or published to the approvals topic). */
  public static final String TOKEN_ACCEPTED = "TOKEN_ACCEPTED";
  /** A request waiting for approval got its quorum (or came with enough valid tokens) and was routed. */
  public static final String APPROVAL_GRANTED = "APPROVAL_GRANTED";
  /** A valid token rejected a request. */
  public static final String APPROVAL_REJECTED = "APPROVAL_REJECTED";
  /** A request waited past its approval deadline and was blocked. */
  public static final String APPROVAL_EXPIRED = "APPROVAL_EXPIRED";
  /** A Streams app sent a record it could not decode or process to the DLQ (plugin and router dead letters have their own types). */
  public static final String DEAD_LETTER = "DEAD_LETTER";
  /** A dead letter was replayed into the gate by the DLQ replayer. */
  public static final String REPLAYED = "REPLAYED";

  /** A shadow policy (fabric policy publish --shadow) would have decided a request otherwise; nothing was acted on. */
  public static final String POLICY_SHADOW_DIFFERS = "POLICY_SHADOW_DIFFERS";

  /**
   * A concurrency slot of {@code limits} was taken longer than the policy's {@code slot_lease} and was reclaimed: the
   * request's final status never reached the limits stage (a path that writes none, or a lost one), so its budget
   * would otherwise be stuck for ever.
   */
  public static final String SLOT_RECLAIMED = "SLOT_RECLAIMED";

  private AuditEvents() {}

  public static AuditEvent about(String type, TaskRequest request, PolicyDecision decision, String detail, long at) {
    return AuditEvent.newBuilder()
        .setId(UUID.randomUUID().toString())
        .setAt(at)
        .setType(type)
        .setTenantId(request == null ? null : request.getTenantId())
        .setFlowId(request == null ? null : request.getFlowId())
        .setRequestId(request == null ? null : request.getRequestId())
        .setAction(request == null ? null : request.getAction())
        .setDetail(detail)
        .setPolicyVersion(decision == null ? null : decision.getPolicyVersion())
        .setSubmitter(request == null ? null : request.getSubmitter())
        .build();
  }
}
