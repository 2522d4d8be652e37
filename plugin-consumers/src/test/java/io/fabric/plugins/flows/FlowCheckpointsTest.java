package io.fabric.plugins.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FlowCheckpointsTest {
  private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

  private static TaskRequest request(String id, String action, boolean last) {
    return TaskRequest.newBuilder().setRequestId(id).setTenantId("acme").setFlowId("f1").setAction(action).setPayload("{}")
        .setIdempotencyKey("k-" + id).setSubmittedAt(0).setSource("test").setFinalStep(last).build();
  }

  private static List<ExecutionAttempt> ok() {
    return List.of(ExecutionAttempt.newBuilder().setAttempt(1).setAt(T0.toString()).build());
  }

  private static Revision rev(int seconds) {
    return new Revision("rev-" + seconds, T0.plusSeconds(seconds));
  }

  private static FlowCheckpoint threeSteps() {
    FlowCheckpoint one = FlowCheckpoints.executed(null, request("r1", "charge", false), "charge", Map.of("a", 1), true, ok(), rev(1));
    FlowCheckpoint two = FlowCheckpoints.executed(one, request("r2", "summarize", false), "builtin", Map.of("b", 2), false, ok(), rev(2));
    return FlowCheckpoints.executed(two, request("r3", "book", false), "travel", Map.of("a", 3), true, ok(), rev(3));
  }

  @Test
  void everyCheckpointOfAStepNamesItsSubmitterAndAReplayNamesTheOriginalOne() {
    TaskRequest signed = TaskRequest.newBuilder(request("r1", "charge", false)).setSubmitter("billing-agent").build();
    FlowCheckpoint failed = FlowCheckpoints.failed(null, signed, "charge", ok(), "503", rev(1));
    TaskRequest replay = TaskRequest.newBuilder(signed).setSubmitter("dlq-replayer").setReplay(ReplayLineage.newBuilder().setDeadLetterId("d1")
        .setGeneration(1).setReplayedAt(0).setReplayedBy("ops").setOriginalSubmitter("billing-agent").build()).build();
    FlowCheckpoint rerun = FlowCheckpoints.executed(failed, replay, "charge", Map.of(), true, ok(), rev(2));
    FlowCheckpoint refunded = FlowCheckpoints.compensated(rerun, "r1", Map.of(), rev(3));

    assertEquals("billing-agent", failed.getSubmitter());
    assertEquals("billing-agent", failed.getSteps().get(0).getSubmitter());
    assertEquals("dlq-replayer", rerun.getSubmitter());
    assertTrue(rerun.getNote().contains("replayed by dlq-replayer for billing-agent"), rerun.getNote());
    assertEquals(null, refunded.getSubmitter(), "a rollback's revision is the fabric's own");
    assertEquals("dlq-replayer", refunded.getSteps().get(0).getSubmitter(), "its steps keep who asked for them");
  }

  @Test
  void theFirstStepCreatesTheFlowAndEachStepAppendsARevisionWithMergedState() {
    FlowCheckpoint first = FlowCheckpoints.executed(null, request("r1", "summarize", false), "builtin", Map.of("x", 1), false, ok(), rev(1));
    FlowCheckpoint second = FlowCheckpoints.executed(first, request("r2", "tag", true), "builtin", Map.of("y", 2), false, ok(), rev(2));

    assertEquals(1, first.getRevision());
    assertEquals("RUNNING", first.getStatus());
    assertEquals("acme", first.getTenantId());
    assertEquals("rev-1", first.getRevisionId());
    assertEquals("2025-01-01T10:00:01Z", first.getAt());
    assertEquals(2, second.getRevision());
    assertEquals("COMPLETED", second.getStatus(), "a final step completes the flow");
    assertEquals(Map.of("x", 1, "y", 2), FlowCheckpoints.state(second));
    assertEquals(List.of("r1", "r2"), second.getSteps().stream().map(FlowStep::getRequestId).toList());
    assertEquals("{\"y\":2}", second.getSteps().get(1).getResult());
    assertEquals("rev-2", second.getSteps().get(1).getRevisionId());
    assertTrue(second.getNote().contains("step 2 tag executed by builtin") && second.getNote().contains("completed"), second.getNote());
    assertTrue(FlowCheckpoints.hasStep(second, "r1"));
    assertFalse(FlowCheckpoints.hasStep(second, "r9"));
  }

  @Test
  void aFailedStepKeepsTheStateAndMarksTheFlowFailed() {
    FlowCheckpoint before = threeSteps();
    FlowCheckpoint failed = FlowCheckpoints.failed(before, request("r4", "pay", false), "stripe", ok(), "card declined", rev(4));

    assertEquals("FAILED", failed.getStatus());
    assertEquals(before.getState(), failed.getState());
    assertEquals("FAILED", failed.getSteps().get(3).getStatus());
    assertFalse(failed.getSteps().get(3).getCompensable());
    assertTrue(failed.getNote().contains("card declined"));
  }

  @Test
  void rollbackCompensatesTheCompensableStepsNewestFirstThenEndsRolledBack() {
    FlowCheckpoint failed = FlowCheckpoints.failed(threeSteps(), request("r4", "pay", false), "stripe", ok(), "declined", rev(4));
    assertEquals("r3", FlowCheckpoints.nextToCompensate(failed).orElseThrow().getRequestId());

    Map<String, Object> refund = new java.util.HashMap<>();
    refund.put("a", null);
    refund.put("refund", "re_1");
    FlowCheckpoint afterR3 = FlowCheckpoints.compensated(failed, "r3", refund, rev(5));
    assertEquals("ROLLING_BACK", afterR3.getStatus());
    assertEquals("COMPENSATED", afterR3.getSteps().get(2).getStatus());
    assertEquals(Map.of("b", 2, "refund", "re_1"), FlowCheckpoints.state(afterR3));
    assertEquals("r1", FlowCheckpoints.nextToCompensate(afterR3).orElseThrow().getRequestId(), "r2 is not compensable");

    FlowCheckpoint afterR1 = FlowCheckpoints.compensated(afterR3, "r1", Map.of(), rev(6));
    assertEquals("ROLLED_BACK", afterR1.getStatus());
    assertEquals(6, afterR1.getRevision());
    assertTrue(afterR1.getNote().contains("2 step(s) compensated") && afterR1.getNote().contains("summarize (r2)"), afterR1.getNote());
    assertTrue(FlowCheckpoints.nextToCompensate(afterR1).isEmpty());
  }

  @Test
  void aFailedCompensationNamesTheStepAndCanBeRetried() {
    FlowCheckpoint failed = FlowCheckpoints.failed(threeSteps(), request("r4", "pay", false), "stripe", ok(), "declined", rev(4));
    FlowCheckpoint stuck = FlowCheckpoints.compensationFailed(failed, "r3", "vendor down", rev(5));

    assertEquals("COMPENSATION_FAILED", stuck.getStatus());
    assertTrue(stuck.getNote().contains("step 3 book (r3)") && stuck.getNote().contains("vendor down"), stuck.getNote());
    assertEquals("r3", FlowCheckpoints.nextToCompensate(stuck).orElseThrow().getRequestId(), "a person may retry it");
    assertThrows(IllegalArgumentException.class, () -> FlowCheckpoints.compensated(failed, "nope", Map.of(), rev(6)));
  }

  @Test
  void nothingToCompensateRollsBackAtOnce() {
    FlowCheckpoint one = FlowCheckpoints.executed(null, request("r1", "summarize", false), "builtin", Map.of(), false, ok(), rev(1));
    FlowCheckpoint rolledBack = FlowCheckpoints.rolledBack(one, rev(2));
    assertEquals("ROLLED_BACK", rolledBack.getStatus());
    assertNotEquals(one.getRevisionId(), rolledBack.getRevisionId());
  }

  @Test
  void aRollbackPlanListsWhatWillBeUndoneAndWhere() {
    TopicCatalog catalog = TopicCatalog.create("p.", 3, List.of());
    FlowRollback.Plan plan = FlowRollback.plan(catalog, threeSteps());
    assertEquals(List.of("r3", "r1"), plan.toCompensate().stream().map(FlowStep::getRequestId).toList());
    assertEquals(List.of("r2"), plan.notCompensable().stream().map(FlowStep::getRequestId).toList());
    assertEquals("travel", plan.targetPlugin());
    assertEquals("p.plugin.travel.tasks", plan.targetTopic());

    FlowCheckpoint done = FlowCheckpoints.rolledBack(threeSteps(), rev(9));
    assertThrows(IllegalStateException.class, () -> FlowRollback.plan(catalog, done));
  }

  @Test
  void rollbackRequestsAreMarkedAndCarryTheFlow() {
    var task = RollbackRequests.create(threeSteps(), "manual", "cli", "00-abc-def-01", 5L);
    assertTrue(RollbackRequests.isRollback(task.getRequest()));
    assertFalse(RollbackRequests.isRollback(request("r1", "x", false)));
    assertEquals("f1", task.getRequest().getFlowId());
    assertEquals("acme", task.getRequest().getTenantId());
    assertEquals("manual", RollbackRequests.reason(task.getRequest()));
  }

  @Test
  void anAttributeNeverMakesARoutedRequestARollback() {
    TaskRequest forged = request("r1", "summarize", false);
    forged.setAttributes(Map.of(ReservedNames.ROLLBACK_ACTION, "true", ReservedNames.ROLLBACK_REASON_ATTRIBUTE, "refund it"));

    assertFalse(RollbackRequests.isRollback(forged), "only the action, which the gate never routes, makes a rollback");
  }

  private static TaskRequest replayOf(TaskRequest request) {
    TaskRequest replay = TaskRequest.newBuilder(request).build();
    replay.setReplay(ReplayLineage.newBuilder().setDeadLetterId("dlq-1").setGeneration(1).setReplayedAt(5L)
        .setReplayedBy("alice@ops").build());
    return replay;
  }

  @Test
  void anAttributeNamedLikeTheOldReplayMarkerDoesNotMakeAReplay() {
    FlowCheckpoint failed = FlowCheckpoints.failed(null, request("r1", "charge", true), "stripe", ok(), "400 card declined", rev(1));
    TaskRequest forged = request("r1", "charge", true);
    forged.setAttributes(Map.of(ReservedNames.REPLAY_OF_HEADER, "dlq-1"));

    assertFalse(FlowCheckpoints.isReplay(forged));
    assertTrue(FlowCheckpoints.whyNotRerun(failed, forged).isPresent());
  }

  @Test
  void aReplayMayRerunAFailedStepOnceAndTheStepIsReplacedNotDuplicated() {
    FlowCheckpoint failed = FlowCheckpoints.failed(null, request("r1", "charge", true), "stripe", ok(), "400 card declined", rev(1));

    assertTrue(FlowCheckpoints.whyNotRerun(failed, request("r1", "charge", true)).isPresent(), "only a replay may rerun");
    assertTrue(FlowCheckpoints.whyNotRerun(failed, replayOf(request("r1", "charge", true))).isEmpty());

    FlowCheckpoint rerun = FlowCheckpoints.executed(failed, replayOf(request("r1", "charge", true)), "stripe", Map.of("id", "pi_1"),
        true, ok(), rev(2));
    assertEquals(1, rerun.getSteps().size(), "the failed step is replaced");
    assertEquals("EXECUTED", rerun.getSteps().get(0).getStatus());
    assertEquals("COMPLETED", rerun.getStatus());
    assertTrue(rerun.getNote().contains("re-executed on replay"), rerun.getNote());
    assertTrue(FlowCheckpoints.whyNotRerun(rerun, replayOf(request("r1", "charge", true))).get().contains("only a failed step"));
  }

  @Test
  void aReplayNeverRerunsAStepOfARolledBackFlow() {
    FlowCheckpoint charged = FlowCheckpoints.executed(null, request("r1", "charge", false), "stripe", Map.of("id", "pi_1"), true, ok(), rev(1));
    FlowCheckpoint failed = FlowCheckpoints.failed(charged, request("r2", "sync", false), "salesforce", ok(), "400", rev(2));
    FlowCheckpoint refunded = FlowCheckpoints.compensated(failed, "r1", Map.of("refund", "re_1"), rev(3));

    assertTrue(FlowCheckpoints.whyNotRerun(refunded, replayOf(request("r2", "sync", false))).get().contains("rolled back"));
  }

  @Test
  void aReplayOfTheFailedStepIsRefusedWhileTheRollbackItsFailureQueuedIsPending() {
    FlowCheckpoint charged = FlowCheckpoints.executed(null, request("r1", "charge", false), "stripe", Map.of("id", "pi_1"), true, ok(), rev(1));
    FlowCheckpoint failed = FlowCheckpoints.failed(charged, request("r2", "sync", false), "salesforce", ok(), "400", rev(2));
    FlowCheckpoint queued = FlowCheckpoints.rollbackRequested(failed, "step sync (r2) failed: 400", rev(3));

    assertEquals("ROLLING_BACK", queued.getStatus());
    assertEquals(failed.getSteps(), queued.getSteps(), "nothing is undone yet");
    assertEquals("r1", FlowCheckpoints.nextToCompensate(queued).orElseThrow().getRequestId());
    assertTrue(FlowCheckpoints.whyNotRerun(queued, replayOf(request("r2", "sync", false))).orElseThrow().contains("rolling back"));
  }

  @Test
  void aFailedFlowWithNoRollbackQueuedMayStillRerunItsStepOnReplay() {
    // a step in doubt marks the flow FAILED and is left for a person: no rollback is queued, the replay is the way on
    FlowCheckpoint charged = FlowCheckpoints.executed(null, request("r1", "charge", false), "stripe", Map.of("id", "pi_1"), true, ok(), rev(1));
    FlowCheckpoint inDoubt = FlowCheckpoints.failed(charged, request("r2", "notify", false), "whatsapp", ok(), "in doubt", rev(2));

    assertTrue(FlowCheckpoints.whyNotRerun(inDoubt, replayOf(request("r2", "notify", false))).isEmpty());
  }
}
