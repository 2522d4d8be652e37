package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.flows.RollbackRequests;
import io.fabric.schemas.records.Reason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The step decisions, without Kafka: given a task and its flow's checkpoint, what the runtime does. */
class StepDeciderTest {
  private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

  private static TaskRequest request(String id, String tenant, String action) {
    return TaskRequest.newBuilder().setRequestId(id).setTenantId(tenant).setFlowId("f1").setAction(action).setPayload("{}")
        .setIdempotencyKey("k-" + id).setSubmittedAt(0).setSource("test").setFinalStep(false).build();
  }

  private static FlowCheckpoint executed(FlowCheckpoint previous, String id, String plugin, boolean compensable) {
    return FlowCheckpoints.executed(previous, request(id, "acme", "act"), plugin, Map.of(), compensable,
        List.of(ExecutionAttempt.newBuilder().setAttempt(1).setAt(T0.toString()).build()), new Revision("rev-" + id, T0));
  }

  private static TaskRequest rollbackOf(FlowCheckpoint checkpoint) {
    return RollbackRequests.create(checkpoint, "test", "test", null, 0).getRequest();
  }

  @Test
  void aNewStepOfARunningFlowRuns() {
    assertEquals(new StepDecision.Run(false), StepDecider.decide("charge", request("r1", "acme", "act"), null));
    assertEquals(new StepDecision.Run(false), StepDecider.decide("charge", request("r2", "acme", "act"), executed(null, "r1", "charge", true)));
  }

  @Test
  void aStepAlreadyCheckpointedIsSkippedAndItsStatusPutBack() {
    FlowCheckpoint checkpoint = executed(null, "r1", "charge", true);
    assertEquals(new StepDecision.Skip(true), StepDecider.decide("charge", request("r1", "acme", "act"), checkpoint));
  }

  @Test
  void anotherTenantsRequestForTheFlowIsRefused() {
    StepDecision decision = StepDecider.decide("charge", request("r2", "evil", "act"), executed(null, "r1", "charge", true));
    assertEquals(Reason.TENANT_MISMATCH, assertInstanceOf(StepDecision.Refuse.class, decision).reason());
  }

  @Test
  void aClosedFlowTakesNoMoreSteps() {
    FlowCheckpoint rolledBack = FlowCheckpoints.rolledBack(executed(null, "r1", "charge", false), new Revision("rb", T0));
    StepDecision.Refuse refuse = assertInstanceOf(StepDecision.Refuse.class,
        StepDecider.decide("charge", request("r2", "acme", "act"), rolledBack));
    assertEquals(Reason.EXECUTION_FAILED, refuse.reason());
    assertTrue(refuse.why().contains("takes no more steps"), refuse.why());
  }

  @Test
  void aRollbackCompensatesThisPluginsNewestStepAndForwardsOthers() {
    FlowCheckpoint checkpoint = executed(executed(null, "r1", "charge", true), "r2", "travel", true);
    assertEquals(new StepDecision.Forward("travel"), StepDecider.decide("charge", rollbackOf(checkpoint), checkpoint));
    StepDecision.Compensate compensate = assertInstanceOf(StepDecision.Compensate.class,
        StepDecider.decide("travel", rollbackOf(checkpoint), checkpoint));
    assertEquals("r2", compensate.step().getRequestId());
  }

  @Test
  void aRollbackWithNothingLeftToCompensateFinishesAndOneWithoutCheckpointIsIgnored() {
    FlowCheckpoint checkpoint = executed(null, "r1", "builtin", false);
    assertEquals(new StepDecision.FinishRollback(), StepDecider.decide("builtin", rollbackOf(checkpoint), checkpoint));
    assertInstanceOf(StepDecision.Ignore.class, StepDecider.decide("builtin", rollbackOf(checkpoint), null));
  }

  private static FlowCheckpoint jobStarted(FlowCheckpoint previous, String id) {
    return FlowCheckpoints.jobStarted(previous, request(id, "acme", "video_generate"), "media", "job-" + id,
        Map.of(RunningJob.KEY, Map.of("job_id", "job-" + id)), List.of(), new Revision("rev-" + id, T0));
  }

  @Test
  void aTaskOfAStepWhoseJobStillRunsIsConsumedWithoutTouchingItsStatusAndNeverStartsASecondJob() {
    FlowCheckpoint checkpoint = jobStarted(null, "r1");
    assertEquals(new StepDecision.Skip(false), StepDecider.decide("media", request("r1", "acme", "video_generate"), checkpoint));
  }

  @Test
  void aReplayOfAStepWhoseJobStillRunsIsRefused() {
    FlowCheckpoint checkpoint = jobStarted(null, "r1");
    TaskRequest replay = request("r1", "acme", "video_generate");
    replay.setReplay(io.fabric.contracts.ReplayLineage.newBuilder().setDeadLetterId("d1").setGeneration(1).setReplayedAt(0).setReplayedBy("ops")
        .build());
    StepDecision.Refuse refuse = assertInstanceOf(StepDecision.Refuse.class, StepDecider.decide("media", replay, checkpoint));
    assertTrue(refuse.why().contains("STARTED"), refuse.why());
  }

  @Test
  void aRollbackWhileAJobRunsCompensatesTheStartedStepByCancellingIt() {
    FlowCheckpoint checkpoint = jobStarted(executed(null, "r0", "builtin", false), "r1");
    StepDecision.Compensate compensate = assertInstanceOf(StepDecision.Compensate.class,
        StepDecider.decide("media", rollbackOf(checkpoint), checkpoint));
    assertEquals("r1", compensate.step().getRequestId());
    assertEquals("RUNNING", checkpoint.getStatus());
  }
}
