package io.fabric.policy.topology;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.observability.FabricMetrics;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.Statuses;
import io.fabric.schemas.records.TraceContext;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import java.util.function.Consumer;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Writes an outcome and its status (and audit event) together, so no outcome lacks its status.
 * Every record carries the request's {@code traceparent} header, also when a punctuator or an
 * approval token (not the request's own record) caused it.
 */
final class Emitter {
  private final Consumer<Record<String, SpecificRecord>> downstream;
  private final FabricMetrics metrics;
  private String traceparent;
  /** The traceparent of the hop (span) being written, which replaces the request's own while set. */
  private String hop;

  /** @param downstream forwards a record to the processor's outcome sink, e.g. {@code context::forward} */
  Emitter(Consumer<Record<String, SpecificRecord>> downstream) {
    this(downstream, FabricMetrics.discard());
  }

  /** @param metrics counts each verdict written (a status, or an unauthenticated record's block) as a decision */
  Emitter(Consumer<Record<String, SpecificRecord>> downstream, FabricMetrics metrics) {
    this.downstream = downstream;
    this.metrics = metrics;
  }

  /** The request the next records are about; its trace context goes on their headers. */
  Emitter about(TaskRequest request) {
    this.traceparent = request == null ? null : request.getTraceparent();
    return this;
  }

  /** Until cleared (null), every record carries {@code traceparent}: the gate's span, so the next hop is its child. */
  Emitter tracedAs(String traceparent) {
    this.hop = traceparent;
    return this;
  }

  void route(TaskRequest request, PolicyDecision decision, List<ApprovalToken> approvals, long now) {
    about(request);
    forward(request.getFlowId(), RoutedTask.newBuilder().setRequest(request).setDecision(decision).setApprovals(approvals).build(), now);
    status(request, decision, Outcome.ROUTED, null, approvals.isEmpty() ? null : "approved by " + approvers(approvals), now);
  }

  /** A routed task handed on to the limits stage, which writes its ROUTED (or HELD) status when it decides. */
  void handOn(TaskRequest request, PolicyDecision decision, List<ApprovalToken> approvals, long now) {
    about(request);
    forward(request.getTenantId(), RoutedTask.newBuilder().setRequest(request).setDecision(decision).setApprovals(approvals).build(), now);
  }

  void block(TaskRequest request, PolicyDecision decision, Reason reason, String detail, String auditType, long now) {
    about(request);
    forward(request.getFlowId(), BlockedTask.newBuilder().setRequest(request).setDecision(decision).setReason(reason.name())
        .setDetail(detail).setBlockedAt(now).build(), now);
    status(request, decision, Outcome.BLOCKED, reason, detail, now);
    if (auditType != null) {
      audit(auditType, request, decision, reason.name() + ": " + detail, now);
    }
  }

  /**
   * A refusal of a record that proved no identity (or that names another tenant's request id): blocked
   * and audited, but no status, since the status of a request id belongs to the signed request that
   * owns (or will own) it.
   */
  void blockUnauthenticated(TaskRequest request, Reason reason, String detail, String auditType, long now) {
    blockWithoutStatus(request, reason, detail, auditType,
        reason == Reason.UNAUTHENTICATED ? " (no status is written for an unauthenticated record)" : "", now);
  }

  /**
   * A refusal of a copy of a request that already has its status (a reused replay): blocked and
   * audited, and the status stays the one of the request that ran.
   */
  void blockCopy(TaskRequest request, Reason reason, String detail, String auditType, long now) {
    blockWithoutStatus(request, reason, detail, auditType, "", now);
  }

  private void blockWithoutStatus(TaskRequest request, Reason reason, String detail, String auditType, String auditNote, long now) {
    about(request);
    forward(request.getFlowId(), BlockedTask.newBuilder().setRequest(request).setDecision(null).setReason(reason.name())
        .setDetail(detail).setBlockedAt(now).build(), now);
    metrics.decision(null, Outcome.BLOCKED.name(), reason.name());
    audit(auditType, request, null, reason.name() + ": " + detail + auditNote, now);
  }

  void status(TaskRequest request, PolicyDecision decision, Outcome outcome, Reason reason, String detail, long now) {
    about(request);
    metrics.decision(decision == null ? null : decision.getActionClass(), outcome.name(), reason == null ? null : reason.name());
    forward(request.getRequestId(), Statuses.of(request, decision, outcome, reason, detail, now), now);
  }

  void audit(String type, TaskRequest request, PolicyDecision decision, String detail, long now) {
    about(request);
    forward(request == null ? null : request.getFlowId(), AuditEvents.about(type, request, decision, detail, now), now);
  }

  void forward(String key, SpecificRecord value, long now) {
    Headers headers = new RecordHeaders();
    TraceContext.set(headers, hop != null ? hop : traceparent);
    downstream.accept(new Record<>(key, value, now, headers));
  }

  private static String approvers(List<ApprovalToken> approvals) {
    return String.join(", ", approvals.stream().map(ApprovalToken::getApprover).toList());
  }
}
