package io.fabric.cli.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.cli.trace.TracePath.Hop;
import io.fabric.cli.trace.TracePath.Records;
import io.fabric.cli.trace.TracePath.Seen;
import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TracePathTest {
  static {
    io.fabric.schemas.AvroSerde.of(ApprovalToken.class); // trusts the contracts package, as every app does
  }

  private static final long T0 = Instant.parse("2026-12-01T08:00:00Z").toEpochMilli();
  private static final TaskRequest REQUEST = TaskRequest.newBuilder().setRequestId("r1").setTenantId("acme").setFlowId("f1")
      .setAction("send_whatsapp").setPayload("{}").setIdempotencyKey("k1").setSubmittedAt(T0 - 5).setSource("test")
      .setSubmitter("billing").build();
  private static final PolicyDecision B = PolicyDecision.newBuilder().setActionClass("B").setRule("default:class-b")
      .setPolicyVersion("v1").setDecidedAt(T0 + 10).build();

  @Test
  void anApprovedRequestShowsEveryHopInOrderWithItsLatencies() {
    ApprovalToken alice = token("alice", "n1", T0 + 100);
    FlowStep step = FlowStep.newBuilder().setRequestId("r1").setAction("send_whatsapp").setPlugin("whatsapp").setStatus("EXECUTED")
        .setRevisionId("rev-1").setAt(Instant.ofEpochMilli(T0 + 400).toString())
        .setAttempts(List.of(attempt(1, T0 + 250, "503 Service Unavailable"), attempt(2, T0 + 380, null))).build();
    FlowCheckpoint revision1 = checkpoint(1, "RUNNING", step);
    FlowCheckpoint revision2 = checkpoint(2, "COMPLETED", step); // a later step of the flow: this request's step is unchanged
    Records records = new Records(
        List.of(seen("status", T0 + 10, status("PENDING_APPROVAL")), seen("status", T0 + 150, status("ROUTED")),
            seen("status", T0 + 400, status("EXECUTED"))),
        List.of(seen("fabric.tasks.ingress", T0, REQUEST)),
        List.of(seen("fabric.tasks.approval-pending", T0 + 10, PendingApproval.newBuilder().setRequest(REQUEST).setDecision(B)
            .setPendingSince(T0 + 10).setDeadline(T0 + 60_000).build())),
        List.of(),
        List.of(seen("fabric.approvals", T0 + 120, alice), seen("fabric.approvals", T0 + 121, alice)),
        List.of(seen("fabric.tasks.routed", T0 + 150, RoutedTask.newBuilder().setRequest(REQUEST).setDecision(B).setApprovals(List.of(alice)).build())),
        List.of(seen("fabric.plugin.whatsapp.tasks", T0 + 150, RoutedTask.newBuilder().setRequest(REQUEST).setDecision(B).build())),
        List.of(seen("fabric.flows.revisions", T0 + 400, revision1), seen("fabric.flows.revisions", T0 + 900, revision2)));

    TracePath path = TracePath.assemble("r1", records).orElseThrow();

    assertEquals(List.of("submitted", "gate", "approval", "routed", "attempt", "attempt", "checkpoint", "executed"),
        path.hops().stream().map(Hop::stage).toList(), "a re-sent token is one approval; an unchanged step is one checkpoint");
    assertEquals(List.of(0L, 10L, 110L, 30L, 100L, 130L, 20L, 0L), path.hops().stream().map(Hop::sincePrevious).toList());
    assertEquals(List.of(0L, 10L, 120L, 150L, 250L, 380L, 400L, 400L), path.hops().stream().map(Hop::sinceSubmitted).toList());
    Hop gate = path.hops().get(1);
    assertEquals("PENDING_APPROVAL", gate.detail().get("outcome"));
    assertEquals("B", gate.detail().get("class"));
    assertEquals("default:class-b", gate.detail().get("rule"));
    assertEquals("v1", gate.detail().get("policy_version"));
    assertEquals("alice", path.hops().get(2).detail().get("approver"));
    assertEquals("fabric.plugin.whatsapp.tasks", path.hops().get(3).detail().get("plugin_topic"));
    assertEquals("failed", path.hops().get(4).detail().get("result"));
    assertEquals("503 Service Unavailable", path.hops().get(4).detail().get("error"));
    assertEquals("ok", path.hops().get(5).detail().get("result"));
    assertEquals("1", path.hops().get(6).detail().get("revision"));
    assertEquals("billing", path.submitter());
    assertEquals(List.of("alice"), path.approvers());
    assertEquals("EXECUTED", path.outcome());
  }

  @Test
  void aClassARequestIsRoutedByTheGateItself() {
    PolicyDecision a = PolicyDecision.newBuilder(B).setActionClass("A").setRule("default:class-a").build();
    Records records = new Records(List.of(seen("status", T0 + 20, status("ROUTED"))), List.of(seen("ingress", T0, REQUEST)), List.of(),
        List.of(), List.of(), List.of(seen("routed", T0 + 20, RoutedTask.newBuilder().setRequest(REQUEST).setDecision(a).build())),
        List.of(seen("fabric.plugin.whatsapp.tasks", T0 + 20, RoutedTask.newBuilder().setRequest(REQUEST).setDecision(a).build())), List.of());

    TracePath path = TracePath.assemble("r1", records).orElseThrow();

    assertEquals(List.of("submitted", "gate"), path.hops().stream().map(Hop::stage).toList(), "not terminal yet: no final hop");
    assertEquals("ROUTED", path.hops().get(1).detail().get("outcome"));
    assertEquals("fabric.plugin.whatsapp.tasks", path.hops().get(1).detail().get("plugin_topic"));
  }

  @Test
  void aBlockedRequestEndsAtTheGateWithItsReason() {
    Records records = new Records(List.of(seen("status", T0 + 5, status("BLOCKED"))), List.of(), List.of(),
        List.of(seen("blocked", T0 + 5, BlockedTask.newBuilder().setRequest(REQUEST).setDecision(B).setReason("FORBIDDEN")
            .setDetail("class C").setBlockedAt(T0 + 5).build())), List.of(), List.of(), List.of(), List.of());

    TracePath path = TracePath.assemble("r1", records).orElseThrow();

    assertEquals(List.of("submitted", "gate", "blocked"), path.hops().stream().map(Hop::stage).toList());
    assertEquals(T0 - 5, path.hops().get(0).at(), "without the ingress record, the request's submitted_at");
    assertEquals("FORBIDDEN", path.hops().get(1).detail().get("reason"));
    assertTrue(path.hops().stream().allMatch(h -> h.sincePrevious() >= 0));
  }

  @Test
  void anUnknownRequestHasNoPath() {
    assertTrue(TracePath.assemble("r1", new Records(List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of()))
        .isEmpty());
  }

  private static <V> Seen<V> seen(String topic, long at, V value) {
    return new Seen<>(topic, at, value);
  }

  private static RequestStatus status(String outcome) {
    return RequestStatus.newBuilder().setRequestId("r1").setTenantId("acme").setFlowId("f1").setAction("send_whatsapp")
        .setOutcome(outcome).setUpdatedAt(T0).setSubmitter("billing").build();
  }

  private static ApprovalToken token(String approver, String nonce, long issuedAt) {
    return ApprovalToken.newBuilder().setRequestId("r1").setTenantId("acme").setFlowId("f1").setAction("send_whatsapp")
        .setPayloadSha256("00").setApprover(approver).setDecision("APPROVE").setIssuedAt(issuedAt).setExpiresAt(issuedAt + 60_000)
        .setNonce(nonce).setSignature(java.nio.ByteBuffer.wrap(new byte[] {1})).build();
  }

  private static ExecutionAttempt attempt(int n, long at, String error) {
    return ExecutionAttempt.newBuilder().setAttempt(n).setAt(Instant.ofEpochMilli(at).toString()).setError(error).build();
  }

  private static FlowCheckpoint checkpoint(int revision, String status, FlowStep step) {
    return FlowCheckpoint.newBuilder().setFlowId("f1").setTenantId("acme").setRevisionId("rev-" + revision).setAt(Instant.ofEpochMilli(T0).toString()).setNote("")
        .setStatus(status).setState("{}").setSteps(List.of(step)).setRevision(revision).build();
  }
}
