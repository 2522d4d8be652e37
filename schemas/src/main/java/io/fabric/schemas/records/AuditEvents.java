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
