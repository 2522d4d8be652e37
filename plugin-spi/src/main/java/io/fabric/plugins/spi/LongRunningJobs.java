package io.fabric.plugins.spi;

import java.time.Duration;
import java.util.Map;

/**
 * A {@link FabricPlugin} whose task types start a job at the vendor that finishes minutes later (a
 * video or a song being generated): the plugin answers "job started" at once, and the runtime asks it
 * later how the job is doing. The runtime checkpoints the started job in the flow, so a crash or a
 * retry never starts a second one, and waits for it without holding a thread or a Kafka transaction:
 * it polls each job when its plugin asked, from the durable checkpoint after a restart. A job still
 * running at its deadline is cancelled and its step fails; a job whose flow is rolled back while it
 * runs is cancelled as the step's compensation.
 *
 * <p>{@link #startJob} is called like {@link FabricPlugin#execute}: an intent before it, the same
 * idempotency key on every attempt, retries and in-doubt handling by {@link FabricPlugin#inDoubtSupport()}.
 * {@link #pollJob} and {@link #cancelJob} must be safe to repeat (a read, a cancel by the job's id).
 */
public interface LongRunningJobs {
  /** Whether tasks of {@code taskType} run as jobs ({@link #startJob} instead of {@link FabricPlugin#execute}). */
  boolean startsJob(String taskType);

  /** Creates the job at the vendor and returns at once. Throw as from {@link FabricPlugin#execute}. */
  JobStarted startJob(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException;

  /**
   * How the job is doing. A {@link RetryableTaskException} polls again later (until the deadline); a
   * {@link PermanentTaskException} fails the step.
   */
  JobStatus pollJob(String tenantId, Job job, TaskContext context) throws TaskException;

  /** Cancels the job (deadline passed, or its flow rolled back while it ran); a job already ended counts as cancelled. */
  Map<String, Object> cancelJob(String tenantId, Job job, TaskContext context) throws TaskException;

  /** How long a job of {@code taskType} may run, from its start, before the runtime cancels it and fails the step. */
  default Duration jobDeadline(String taskType) {
    return Duration.ofHours(1);
  }

  /**
   * A job the vendor is running for a step.
   *
   * @param id the vendor's id of the job
   * @param details what {@link JobStarted#details()} returned (URLs, the model), as checkpointed
   */
  record Job(String id, String taskType, java.time.Instant startedAt, Map<String, Object> details) {
    public Job {
      details = details == null ? Map.of() : Map.copyOf(details);
    }
  }

  /**
   * The answer of {@link #startJob}.
   *
   * @param jobId the vendor's id of the job, which polls and cancels name
   * @param pollAfter when to ask first
   * @param details what to keep with the job (checkpointed, so small and JSON-writable, never a secret)
   */
  record JobStarted(String jobId, Duration pollAfter, Map<String, Object> details) {
    public JobStarted {
      if (jobId == null || jobId.isBlank()) {
        throw new IllegalArgumentException("a started job needs the vendor's job id");
      }
      pollAfter = pollAfter == null || pollAfter.isNegative() ? Duration.ZERO : pollAfter;
      details = details == null ? Map.of() : Map.copyOf(details);
    }
  }

  /**
   * The catalog topic (its name without the fabric's prefix, e.g. {@code agents.conversations}) that
   * {@link JobStatus.Progressed#events()} are appended to; empty when the plugin writes none.
   */
  default java.util.Optional<String> journal() {
    return java.util.Optional.empty();
  }

  /** A record for the plugin's {@link #journal()}: a key (records of one key keep their order) and a JSON value. */
  record JobEvent(String key, String json) {
    public JobEvent {
      if (key == null || json == null) {
        throw new IllegalArgumentException("a job event needs a key and a value");
      }
    }
  }

  /** The answer of {@link #pollJob}. */
  sealed interface JobStatus permits JobStatus.Running, JobStatus.Progressed, JobStatus.Succeeded, JobStatus.Failed {
    /** Still running: ask again after {@code pollAfter}. */
    record Running(Duration pollAfter) implements JobStatus {}

    /**
     * Still running, and the job moved on in a way that must survive a crash (an agent's model turn
     * was answered): {@code details} replace the job's details in its STARTED step, and {@code events}
     * go to the plugin's {@link #journal()} topic, in one transaction. The next poll comes after that
     * transaction committed (never before {@code pollAfter}), and sees these details, so whatever the
     * poll did is never done again for a job that a crash or a rebalance moved.
     */
    record Progressed(Duration pollAfter, Map<String, Object> details, java.util.List<JobEvent> events) implements JobStatus {
      public Progressed {
        pollAfter = pollAfter == null || pollAfter.isNegative() ? Duration.ZERO : pollAfter;
        details = details == null ? Map.of() : Map.copyOf(details);
        events = events == null ? java.util.List.of() : java.util.List.copyOf(events);
      }
    }

    /** Done: {@code result} is the step's result, merged into the flow's state. */
    record Succeeded(Map<String, Object> result) implements JobStatus {}

    /** Ended without a result (failed, or cancelled at the vendor): the step fails for good with {@code why}. */
    record Failed(String why) implements JobStatus {}
  }
}
