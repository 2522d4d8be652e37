package io.fabric.cli.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.cli.reconcile.Reconciliation;
import io.fabric.cli.reconcile.Reconciliation.Backlog;
import io.fabric.cli.reconcile.Reconciliation.Entered;
import io.fabric.cli.reconcile.Reconciliation.Report;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.Statuses;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link Reconciliation} on plain records: every verdict, no Kafka. */
class ReconciliationTest {
  private static final String INGRESS = "fabric.tasks.ingress";
  private static final Backlog BUSY = new Backlog("fabric.policy-stream", INGRESS, 0, 10, 11);

  private long offset;

  @Test
  void everyRequestWithExactlyOneOutcomeIsClean() {
    TaskRequest executed = request("r-exec");
    TaskRequest blocked = request("r-blocked");
    TaskRequest dead = request("r-dead");
    TaskRequest duplicate = request("r-dup");

    Report report = new Reconciliation()
        .entered(entered(executed, blocked, dead, duplicate))
        .revisions(List.of(checkpoint(1, step("r-exec", "EXECUTED", "rev-1"))))
        .blocked(List.of(blocked(blocked, Reason.FORBIDDEN)))
        .deadLetters(List.of(letter("dl-1", dead, Reason.EXECUTION_FAILED)), Set.of())
        .statuses(List.of(status(duplicate, Outcome.DUPLICATE)))
        .report();

    assertTrue(report.clean(), report.toString());
    assertTrue(report.settled(), report.toString());
    assertEquals(4, report.requests());
    assertEquals(Map.of("EXECUTED", 1, "BLOCKED/FORBIDDEN", 1, "DEAD_LETTER/EXECUTION_FAILED", 1, "DUPLICATE", 1), report.byState());
  }

  @Test
  void aStepInTwoRevisionsOfTheFlowIsOneExecutionButTwoRevisionIdsAreTwo() {
    TaskRequest once = request("r-once");
    TaskRequest twice = request("r-twice");
    FlowStep first = step("r-once", "EXECUTED", "rev-1");

    Report report = new Reconciliation()
        .entered(entered(once, twice))
        .revisions(List.of(checkpoint(1, first), checkpoint(2, first, step("r-twice", "EXECUTED", "rev-2")),
            checkpoint(3, first, step("r-twice", "EXECUTED", "rev-3"))))
        .report();

    assertFalse(report.clean());
    assertEquals(List.of("r-twice"), report.duplicated().stream().map(Reconciliation.RequestOutcome::requestId).toList());
    assertEquals(List.of("EXECUTED", "EXECUTED"), report.duplicated().get(0).outcomes());
    assertEquals(1, report.byState().get("EXECUTED"));
  }

  @Test
  void anUnauthenticatedRecordRefusedUnderAnIdThatRanIsNotASecondOutcomeOfThatRequest() {
    TaskRequest signed = request("r-signed");
    TaskRequest impostor = request("r-signed");
    TaskRequest alone = request("r-alone");

    Report report = new Reconciliation()
        .entered(entered(impostor, signed, alone))
        .revisions(List.of(checkpoint(1, step("r-signed", "EXECUTED", "rev-1"))))
        .blocked(List.of(blocked(impostor, Reason.UNAUTHENTICATED), blocked(alone, Reason.UNAUTHENTICATED)))
        .report();

    assertTrue(report.clean(), report.toString());
    assertEquals(Map.of("EXECUTED", 1, "BLOCKED/UNAUTHENTICATED", 1), report.byState());
  }

  @Test
  void twoDifferentOutcomesAreDuplicated() {
    TaskRequest request = request("r-1");

    Report report = new Reconciliation()
        .entered(entered(request))
        .revisions(List.of(checkpoint(1, step("r-1", "EXECUTED", "rev-1"))))
        .blocked(List.of(blocked(request, Reason.INVALID_TOKEN)))
        .report();

    assertEquals(1, report.duplicated().size(), report.toString());
    assertEquals(List.of("BLOCKED/INVALID_TOKEN", "EXECUTED"), report.duplicated().get(0).outcomes());
  }

  @Test
  void theSameOutcomeOncePerSubmissionIsNotADuplicateButTwiceForOneSubmissionIs() {
    TaskRequest resent = request("r-resent");
    TaskRequest once = request("r-once");

    Report report = new Reconciliation()
        .entered(entered(resent, resent, once))
        .blocked(List.of(blocked(resent, Reason.FORBIDDEN), blocked(resent, Reason.FORBIDDEN),
            blocked(once, Reason.FORBIDDEN), blocked(once, Reason.FORBIDDEN)))
        .report();

    assertEquals(2, report.requests());
    assertEquals(List.of("r-once"), report.duplicated().stream().map(Reconciliation.RequestOutcome::requestId).toList());
    assertEquals(1, report.byState().get("BLOCKED/FORBIDDEN"));
  }

  @Test
  void aRequestWithoutOutcomeIsInFlightWhileTheFabricIsBusyAndLostOnceItIsIdle() {
    TaskRequest routed = request("r-routed");
    TaskRequest unseen = request("r-unseen");
    List<RequestStatus> statuses = List.of(status(routed, Outcome.ROUTED));

    Report busy = new Reconciliation().entered(entered(routed, unseen)).statuses(statuses).backlog(List.of(BUSY)).report();
    Report idle = new Reconciliation().entered(entered(routed, unseen)).statuses(statuses).backlog(List.of()).report();

    assertTrue(busy.clean(), busy.toString());
    assertFalse(busy.settled());
    assertEquals(2, busy.inFlight().size());
    assertEquals(List.of(BUSY), busy.backlog());
    assertFalse(idle.clean());
    assertEquals(List.of("r-routed", "r-unseen"), idle.lost().stream().map(Reconciliation.RequestOutcome::requestId).toList());
    assertEquals(List.of("ROUTED"), idle.lost().get(0).outcomes());
  }

  @Test
  void aPendingRequestWaitsForAPersonAndIsNeitherLostNorInFlight() {
    TaskRequest pending = request("r-pending");

    Report report = new Reconciliation().entered(entered(pending)).statuses(List.of(status(pending, Outcome.PENDING_APPROVAL))).report();

    assertTrue(report.clean());
    assertTrue(report.settled());
    assertEquals(Map.of("PENDING_APPROVAL", 1), report.byState());
  }

  @Test
  void aDeadLetterReplayedBackIsSupersededByTheReplaysOutcome() {
    TaskRequest request = request("r-replayed");
    DeadLetter first = letter("dl-1", request, Reason.IN_DOUBT);
    FlowStep failed = step("r-replayed", "FAILED", "rev-1");
    FlowStep rerun = step("r-replayed", "EXECUTED", "rev-2");

    Report report = new Reconciliation()
        .entered(entered(request, request))
        .revisions(List.of(checkpoint(1, failed), checkpoint(2, rerun)))
        .deadLetters(List.of(first), Set.of("dl-1"))
        .report();
    Report notReplayed = new Reconciliation()
        .entered(entered(request))
        .revisions(List.of(checkpoint(1, failed)))
        .deadLetters(List.of(first), Set.of())
        .report();

    assertTrue(report.clean(), report.toString());
    assertEquals(Map.of("EXECUTED", 1), report.byState());
    assertEquals(Map.of("DEAD_LETTER/IN_DOUBT", 1), notReplayed.byState());
  }

  @Test
  void aFailedCompensationBelongsToTheRollbackAndTheStepStaysExecuted() {
    TaskRequest charge = request("r-charge");
    TaskRequest refunded = request("r-refunded");
    DeadLetter compensation = compensationLetter("dl-comp", "r-charge");

    Report report = new Reconciliation()
        .entered(entered(charge, refunded))
        .revisions(List.of(checkpoint(1, step("r-charge", "EXECUTED", "rev-1"), step("r-refunded", "EXECUTED", "rev-2")),
            checkpoint(2, step("r-charge", "COMPENSATION_FAILED", "rev-1"), step("r-refunded", "COMPENSATED", "rev-2"))))
        .deadLetters(List.of(compensation), Set.of())
        .report();

    assertTrue(report.clean(), report.toString());
    assertEquals(1, report.compensationFailures());
    assertEquals(Map.of("EXECUTED/COMPENSATION_FAILED", 1, "EXECUTED/COMPENSATED", 1), report.byState());
  }

  @Test
  void undecodableBytesMustEndAsTheDeadLetterOfTheirPosition() {
    Entered dead = Entered.undecodable(INGRESS, 1, 40, 1_000);
    Entered lost = Entered.undecodable(INGRESS, 1, 41, 1_000);
    Entered twice = Entered.undecodable(INGRESS, 2, 7, 1_000);

    Report report = new Reconciliation()
        .entered(List.of(dead, lost, twice))
        .deadLetters(List.of(undecodableLetter("dl-1", 1, 40), undecodableLetter("dl-2", 2, 7), undecodableLetter("dl-3", 2, 7),
            undecodableLetter("dl-4", 0, 99)), Set.of())
        .report();

    assertEquals(0, report.requests());
    assertEquals(3, report.undecodableRecords());
    assertEquals(4, report.undecodable());
    assertEquals(1, report.byState().get("DEAD_LETTER/UNDECODABLE"));
    assertEquals(List.of(Reconciliation.position(INGRESS, 1, 41)),
        report.lost().stream().map(Reconciliation.RequestOutcome::requestId).toList());
    assertEquals(List.of(Reconciliation.position(INGRESS, 2, 7)),
        report.duplicated().stream().map(Reconciliation.RequestOutcome::requestId).toList());
  }

  @Test
  void outcomesOfRequestsOutsideTheWindowAreIgnored() {
    TaskRequest inside = request("r-inside");
    TaskRequest outside = request("r-outside");

    Report report = new Reconciliation()
        .entered(entered(inside))
        .blocked(List.of(blocked(inside, Reason.FORBIDDEN), blocked(outside, Reason.FORBIDDEN), blocked(outside, Reason.INVALID_TOKEN)))
        .report();

    assertTrue(report.clean(), report.toString());
    assertEquals(1, report.requests());
  }

  // ---------------------------------------------------------------- fixtures

  private List<Entered> entered(TaskRequest... requests) {
    List<Entered> entered = new ArrayList<>();
    for (TaskRequest request : requests) {
      entered.add(new Entered(INGRESS, 0, offset++, request.getSubmittedAt(), request));
    }
    return entered;
  }

  static TaskRequest request(String id) {
    return TaskRequest.newBuilder().setRequestId(id).setTenantId("acme").setFlowId(id).setAction("summarize")
        .setPayload("{}").setIdempotencyKey(id).setSubmittedAt(1_000).setSource("test").build();
  }

  private static FlowStep step(String requestId, String status, String revisionId) {
    return FlowStep.newBuilder().setRequestId(requestId).setAction("summarize").setPlugin("builtin").setStatus(status)
        .setRevisionId(revisionId).setAt("2025-01-01T00:00:00Z").build();
  }

  private static FlowCheckpoint checkpoint(int revision, FlowStep... steps) {
    return FlowCheckpoint.newBuilder().setFlowId("flow").setTenantId("acme").setRevisionId("checkpoint-" + revision)
        .setAt("2025-01-01T00:00:00Z").setNote("").setStatus("RUNNING").setState("{}").setSteps(List.of(steps))
        .setRevision(revision).build();
  }

  private static BlockedTask blocked(TaskRequest request, Reason reason) {
    return BlockedTask.newBuilder().setRequest(request).setReason(reason.name()).setDetail("").setBlockedAt(1_000).build();
  }

  private static RequestStatus status(TaskRequest request, Outcome outcome) {
    return Statuses.of(request, null, outcome, null, null, 1_000);
  }

  private static DeadLetter.Builder letterBuilder(String id, String stage, String reason, int partition, long offset) {
    return DeadLetter.newBuilder().setId(id).setAt(1_000).setStage(stage).setReason(reason).setOriginalTopic(INGRESS)
        .setOriginalPartition(partition).setOriginalOffset(offset);
  }

  private static DeadLetter letter(String id, TaskRequest request, Reason reason) {
    return letterBuilder(id, "plugin:whatsapp", reason.name(), 0, 1).setRequestId(request.getRequestId())
        .setTenantId(request.getTenantId()).setFlowId(request.getFlowId()).setAction(request.getAction()).build();
  }

  private static DeadLetter undecodableLetter(String id, int partition, long offset) {
    return letterBuilder(id, "policy-stream", Reason.UNDECODABLE.name(), partition, offset).build();
  }

  /** What the runtime writes when compensating {@code stepRequestId} failed: the original record is the rollback request. */
  private static DeadLetter compensationLetter(String id, String stepRequestId) {
    TaskRequest rollback = TaskRequest.newBuilder().setRequestId("rollback-1").setTenantId("acme").setFlowId("flow")
        .setAction(ReservedNames.ROLLBACK_ACTION).setPayload("{}").setIdempotencyKey("rollback-1").setSubmittedAt(1_000)
        .setSource("plugin:stripe").setAttributes(Map.of(ReservedNames.ROLLBACK_REASON_ATTRIBUTE, "step failed")).build();
    RoutedTask task = RoutedTask.newBuilder().setRequest(rollback).setDecision(io.fabric.contracts.PolicyDecision.newBuilder()
        .setActionClass("n/a").setRule(ReservedNames.ROLLBACK_RULE).setPolicyVersion("n/a").setDecidedAt(1_000).build()).build();
    byte[] bytes = AvroSerde.of(RoutedTask.class).serialize("fabric.plugin.stripe.tasks", task);
    return letterBuilder(id, "plugin:stripe", Reason.EXECUTION_FAILED.name(), 0, 3).setOriginalTopic("fabric.plugin.stripe.tasks")
        .setOriginalValue(ByteBuffer.wrap(bytes)).setRequestId(stepRequestId).setAction("create_charge").build();
  }
}
