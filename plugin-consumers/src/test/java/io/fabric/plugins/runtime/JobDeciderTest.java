package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowStatus;
import io.fabric.plugins.spi.LongRunningJobs.JobStatus;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the runtime does next with a running job, without Kafka or a vendor. */
class JobDeciderTest {
  private static final Duration MIN_POLL = Duration.ofSeconds(1);
  /** Started at 0, next poll at 5 s, deadline at 60 s. */
  private static final RunningJob JOB = new RunningJob("p1", "video_generate", 0, 5_000, 60_000, Map.of(), "", "t", 0, 0, null);

  @Test
  void theFirstPollComesWhenThePluginAskedButNotSoonerThanTheMinimumNorAfterTheDeadline() {
    assertEquals(5_000, JobDecider.firstPoll(0, Duration.ofSeconds(5), MIN_POLL, 60_000));
    assertEquals(1_000, JobDecider.firstPoll(0, Duration.ZERO, MIN_POLL, 60_000));
    assertEquals(60_000, JobDecider.firstPoll(0, Duration.ofMinutes(5), MIN_POLL, 60_000));
  }

  @Test
  void aJobIsPolledWhenDueAndWaitedForBefore() {
    assertEquals(new JobDecider.Wait(5_000), JobDecider.beforePoll(JOB, 4_999));
    assertEquals(new JobDecider.Poll(), JobDecider.beforePoll(JOB, 5_000));
  }

  @Test
  void aJobPastItsDeadlineIsCancelledInsteadOfPolled() {
    JobDecider.Cancel cancel = assertInstanceOf(JobDecider.Cancel.class, JobDecider.beforePoll(JOB, 60_000));
    assertTrue(cancel.why().contains("deadline"), cancel.why());
  }

  @Test
  void aRunningJobIsPolledAgainLaterAndNeverPastItsDeadline() {
    assertEquals(new JobDecider.Wait(15_000), JobDecider.afterPoll(JOB, new JobStatus.Running(Duration.ofSeconds(5)), 10_000, MIN_POLL));
    assertEquals(new JobDecider.Wait(11_000), JobDecider.afterPoll(JOB, new JobStatus.Running(Duration.ZERO), 10_000, MIN_POLL));
    assertEquals(new JobDecider.Wait(60_000), JobDecider.afterPoll(JOB, new JobStatus.Running(Duration.ofHours(1)), 10_000, MIN_POLL));
  }

  @Test
  void aJobThatMovedOnIsCheckpointedWithItsNewDetailsAndEventsThenPolledAgainWithoutTheMinimumWait() {
    var events = java.util.List.of(new io.fabric.plugins.spi.LongRunningJobs.JobEvent("run-1", "{\"turn\":1}"));
    assertEquals(new JobDecider.Checkpoint(10_000, Map.of("turn", 1), events),
        JobDecider.afterPoll(JOB, new JobStatus.Progressed(Duration.ZERO, Map.of("turn", 1), events), 10_000, MIN_POLL));
    assertEquals(new JobDecider.Checkpoint(60_000, Map.of(), java.util.List.of()),
        JobDecider.afterPoll(JOB, new JobStatus.Progressed(Duration.ofHours(1), null, null), 10_000, MIN_POLL), "never past the deadline");
  }

  @Test
  void aSucceededJobFinishesTheStepWithItsResultAndAFailedOneFailsIt() {
    assertEquals(new JobDecider.Finish(Map.of("out", "x")),
        JobDecider.afterPoll(JOB, new JobStatus.Succeeded(Map.of("out", "x")), 10_000, MIN_POLL));
    JobDecider.Fail fail = assertInstanceOf(JobDecider.Fail.class, JobDecider.afterPoll(JOB, new JobStatus.Failed("model error"), 10_000,
        MIN_POLL));
    assertTrue(fail.why().contains("p1") && fail.why().contains("model error"), fail.why());
  }

  @Test
  void aRetryablePollErrorPollsAgainAfterTheBackoffAndAnyOtherFailsTheStep() {
    assertEquals(new JobDecider.Wait(11_000),
        JobDecider.afterPollError(JOB, new RetryableTaskException("HTTP 503"), 10_000, Duration.ofSeconds(1)));
    assertEquals(new JobDecider.Wait(60_000),
        JobDecider.afterPollError(JOB, new RetryableTaskException("HTTP 429"), 59_500, Duration.ofSeconds(1)));
    assertInstanceOf(JobDecider.Fail.class, JobDecider.afterPollError(JOB, new PermanentTaskException("HTTP 404"), 10_000,
        Duration.ofSeconds(1)));
    assertInstanceOf(JobDecider.Fail.class, JobDecider.afterPollError(JOB, new IllegalStateException("bug"), 10_000,
        Duration.ofSeconds(1)));
  }

  @Test
  void aCancelThatFailsForNowIsTriedAgainAndOneThatFailsForGoodFailsTheStepSayingTheJobMayStillRun() {
    assertEquals(new JobDecider.Wait(61_000),
        JobDecider.afterCancelError(JOB, "deadline; cancelled", new RetryableTaskException("HTTP 503"), 60_000, Duration.ofSeconds(1)));
    JobDecider.Fail fail = assertInstanceOf(JobDecider.Fail.class,
        JobDecider.afterCancelError(JOB, "deadline; cancelled", new PermanentTaskException("HTTP 401"), 60_000, Duration.ofSeconds(1)));
    assertTrue(fail.why().contains("may still run"), fail.why());
  }

  @Test
  void aJobWhoseFlowRollsBackWaitsForTheRollbackToCancelItAndOneWhoseFlowClosedIsDropped() {
    assertEquals(new JobDecider.Wait(11_000), JobDecider.beforePoll(JOB, FlowStatus.ROLLING_BACK, 10_000, Duration.ofSeconds(1)));
    assertInstanceOf(JobDecider.Drop.class, JobDecider.beforePoll(JOB, FlowStatus.COMPLETED, 10_000, Duration.ofSeconds(1)));
    assertInstanceOf(JobDecider.Drop.class, JobDecider.beforePoll(JOB, FlowStatus.FAILED, 10_000, Duration.ofSeconds(1)));
    assertEquals(new JobDecider.Poll(), JobDecider.beforePoll(JOB, FlowStatus.RUNNING, 10_000, Duration.ofSeconds(1)));
  }

  @Test
  void aDroppedJobSaysItsFlowClosedAndThatItMayStillRunAtTheVendor() {
    JobDecider.Drop drop = (JobDecider.Drop) JobDecider.beforePoll(JOB, FlowStatus.COMPLETED, 10_000, Duration.ofSeconds(1));

    assertTrue(drop.why().startsWith(JobDecider.FLOW_CLOSED + ": flow is COMPLETED while job p1 (video_generate)"), drop.why());
    assertTrue(drop.why().contains("may still run at the vendor"), drop.why());
  }

  @Test
  void aJobCancelledByItsFlowsRollbackEndsItsRequestDeadLetteredNamingTheCompensation() {
    TaskRequest request = TaskRequest.newBuilder().setRequestId("r1").setTenantId("acme").setFlowId("f1").setAction("video_generate")
        .setPayload("{}").setIdempotencyKey("k1").setSubmittedAt(0).setSource("test").setFinalStep(false).build();
    RoutedTask task = RoutedTask.newBuilder().setRequest(request).setApprovals(java.util.List.of()).setDecision(PolicyDecision.newBuilder().setActionClass("A")
        .setRule("default:class-a").setPolicyVersion("v1").setDecidedAt(0).build()).build();

    RequestStatus status = JobDecider.endedWithoutResult(task, Reason.EXECUTION_FAILED, JobDecider.compensated(JOB, "f1", null), 7);

    assertEquals("r1", status.getRequestId());
    assertEquals(Outcome.DEAD_LETTER.name(), status.getOutcome());
    assertTrue(Outcome.valueOf(status.getOutcome()).terminal(), "a final status: the limits stage frees the request's slot on it");
    assertEquals(Reason.EXECUTION_FAILED.name(), status.getReason());
    assertEquals("COMPENSATED: job p1 (video_generate) was cancelled as its step's compensation while flow f1 rolled back; "
        + "its result is not kept", status.getDetail());
    assertEquals("A", status.getActionClass());
  }
}
