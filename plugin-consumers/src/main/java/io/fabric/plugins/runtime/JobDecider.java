package io.fabric.plugins.runtime;

import io.fabric.plugins.flows.FlowStatus;
import io.fabric.plugins.spi.LongRunningJobs.JobStatus;
import io.fabric.plugins.spi.TaskException;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.Statuses;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Decides from a running job, the time and its plugin's last answer what the runtime does next with
 * it: wait until a time, poll it, cancel it (its deadline passed), finish the step with a result, or
 * fail it. No Kafka and no plugin call, so every rule is a unit test.
 */
final class JobDecider {
  private JobDecider() {}

  sealed interface Next permits Wait, Poll, Cancel, Finish, Fail, Drop, Checkpoint {}

  /** Ask again at {@code at} (epoch millis); nothing is written meanwhile. */
  record Wait(long at) implements Next {}

  /** Ask the plugin now. */
  record Poll() implements Next {}

  /** The deadline passed: cancel the job at the vendor, then fail the step with {@code why}. */
  record Cancel(String why) implements Next {}

  /** The job succeeded: checkpoint the step EXECUTED with {@code result}. */
  record Finish(Map<String, Object> result) implements Next {}

  /** The job ended without a result: fail the step (dead letter, flow FAILED, rollback of the earlier steps). */
  record Fail(String why) implements Next {}

  /**
   * The job moved on: checkpoint its STARTED step with {@code details} (and append {@code events} to its
   * plugin's journal) in one transaction, then poll it again at {@code at}, which the schedule reaches
   * only after that transaction committed.
   */
  record Checkpoint(long at, Map<String, Object> details, java.util.List<io.fabric.plugins.spi.LongRunningJobs.JobEvent> events)
      implements Next {}

  /**
   * Stop polling the job: its flow was closed by other steps while it ran. Its request is dead-lettered
   * {@code EXECUTION_FAILED} with {@code why} (starting {@value #FLOW_CLOSED}) in one transaction, so the
   * caller learns the end and the limits slot is freed; its step stays STARTED, so a rollback started later
   * still cancels the job, which may still run at the vendor.
   */
  record Drop(String why) implements Next {}

  /**
   * How the detail of a job's request that ended without its result starts, after the flow it ran in
   * was closed by other steps: {@link Drop}. Existing outcome and reason (DEAD_LETTER, EXECUTION_FAILED)
   * plus this word, not a new enum symbol of the shared contract.
   */
  static final String FLOW_CLOSED = "FLOW_CLOSED";

  /** As {@link #FLOW_CLOSED}, for a job cancelled as its step's compensation while its flow rolled back. */
  static final String COMPENSATED = "COMPENSATED";

  /** When to poll a job first: after what its plugin asked, at least {@code minPoll}, never after its deadline. */
  static long firstPoll(long now, Duration pollAfter, Duration minPoll, long deadlineAt) {
    return Math.min(deadlineAt, now + Math.max(pollAfter.toMillis(), minPoll.toMillis()));
  }

  /**
   * Before a poll, given its flow's status: a flow rolling back will cancel the job as the step's
   * compensation, so the job only waits (finishing it would overwrite the rollback's status); a flow
   * closed by other steps meanwhile (completed, or failed in doubt) is not reopened, so the job is dropped.
   */
  static Next beforePoll(RunningJob job, FlowStatus flow, long now, Duration recheck) {
    if (flow == FlowStatus.ROLLING_BACK) {
      return new Wait(now + recheck.toMillis());
    }
    if (flow != FlowStatus.RUNNING) {
      return new Drop(FLOW_CLOSED + ": flow is " + flow + " while job " + job.jobId() + " (" + job.taskType()
          + ") still runs; it is no longer polled and its result is not kept (it may still run at the vendor, check there)");
    }
    return beforePoll(job, now);
  }

  /**
   * The final status of a job's request whose step ends without the job's result (the job cancelled by its
   * flow's rollback): DEAD_LETTER with {@code reason} (EXECUTION_FAILED, or the failed cancel's reason) and
   * {@code detail}. Nothing else writes one for it (the job's start wrote none), and DEAD_LETTER frees the
   * request's limits slot.
   */
  static RequestStatus endedWithoutResult(RoutedTask task, Reason reason, String detail, long now) {
    return Statuses.of(task.getRequest(), task.getDecision(), Outcome.DEAD_LETTER, reason, DeadLetters.bounded(detail), now);
  }

  /** The detail of a job's request whose job was cancelled ({@code undo}: what cancelling it answered or why it failed). */
  static String compensated(RunningJob job, String flowId, String undo) {
    return COMPENSATED + ": job " + job.jobId() + " (" + job.taskType() + ") was cancelled as its step's compensation while flow "
        + flowId + " rolled back" + (undo == null ? "" : "; " + undo) + "; its result is not kept";
  }

  /** Before a poll: not due yet, due, or past its deadline. */
  static Next beforePoll(RunningJob job, long now) {
    if (now >= job.deadlineAt()) {
      return new Cancel("job " + job.jobId() + " (" + job.taskType() + ") did not finish by its deadline "
          + Instant.ofEpochMilli(job.deadlineAt()) + " (started " + Instant.ofEpochMilli(job.startedAt()) + "); cancelled");
    }
    return now < job.pollAt() ? new Wait(job.pollAt()) : new Poll();
  }

  /** After the plugin answered a poll. */
  static Next afterPoll(RunningJob job, JobStatus status, long now, Duration minPoll) {
    if (status instanceof JobStatus.Succeeded succeeded) {
      return new Finish(succeeded.result() == null ? Map.of() : succeeded.result());
    }
    if (status instanceof JobStatus.Progressed progressed) {
      // not held to minPoll: the job asked to go on as soon as its progress is durable (a model turn answered)
      return new Checkpoint(Math.min(job.deadlineAt(), now + progressed.pollAfter().toMillis()), progressed.details(), progressed.events());
    }
    if (status instanceof JobStatus.Failed failed) {
      return new Fail("job " + job.jobId() + " (" + job.taskType() + ") ended without a result: " + failed.why());
    }
    Duration pollAfter = ((JobStatus.Running) status).pollAfter();
    return new Wait(firstPoll(now, pollAfter == null ? Duration.ZERO : pollAfter, minPoll, job.deadlineAt()));
  }

  /** After a poll failed: a retryable failure polls again after {@code retryAfter} (until the deadline); any other fails the step. */
  static Next afterPollError(RunningJob job, Throwable error, long now, Duration retryAfter) {
    if (error instanceof TaskException task && task.retryable()) {
      return new Wait(Math.min(job.deadlineAt(), now + retryAfter.toMillis()));
    }
    return new Fail("polling job " + job.jobId() + " (" + job.taskType() + ") failed: " + DeadLetters.describe(error));
  }

  /**
   * After cancelling at the deadline failed: a retryable failure cancels again after {@code retryAfter}
   * (the job may still cost money); any other fails the step anyway, saying the job may still run.
   */
  static Next afterCancelError(RunningJob job, String why, Throwable error, long now, Duration retryAfter) {
    if (error instanceof TaskException task && task.retryable()) {
      return new Wait(now + retryAfter.toMillis());
    }
    return new Fail(why.replace("; cancelled", "") + "; cancelling it failed (" + DeadLetters.describe(error)
        + "): it may still run at the vendor, check there");
  }
}
