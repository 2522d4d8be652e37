package io.fabric.plugins.runtime;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.flows.FlowJson;
import io.fabric.plugins.flows.FlowStatus;
import io.fabric.plugins.flows.RollbackRequests;
import io.fabric.plugins.runtime.AttemptRunner.Attempted;
import io.fabric.plugins.runtime.AttemptRunner.BackingOff;
import io.fabric.plugins.runtime.AttemptRunner.Done;
import io.fabric.plugins.runtime.AttemptRunner.Failed;
import io.fabric.plugins.runtime.ExecutionIntent.Kind;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.LongRunningJobs;
import io.fabric.schemas.topics.TopicSpec;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.Statuses;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.tracing.Hop;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One task record from decoding to its staged outcome: asks the {@link StepDecider}, runs the
 * attempt or the compensation, and stages the checkpoint, status, dead letter and offset in the
 * {@link OutboundBatch}. Holds one generation of clients (batch and flow state) and is replaced
 * with them.
 */
final class TaskProcessor {
  private static final Logger log = LoggerFactory.getLogger(TaskProcessor.class);

  private final FabricPlugin plugin;
  private final TopicCatalog catalog;
  private final PluginRuntimeConfig config;
  private final String runtime;
  private final OutcomeSizeLimit outcomeSizeLimit;
  private final String stage;
  private final FlowStateStore store;
  private final OutboundBatch batch;
  private final AttemptRunner runner;
  private final CompensationHandler compensations;
  private final AvroSerde<RoutedTask> taskSerde;
  private final AttemptRunner.Intents intents;
  private final JobSchedule jobs;

  TaskProcessor(FabricPlugin plugin, TopicCatalog catalog, PluginRuntimeConfig config, String runtime, AvroSerde<RoutedTask> taskSerde,
                FlowStateStore store, OutboundBatch batch, AttemptRunner runner) {
    this(plugin, catalog, config, runtime, taskSerde, store, batch, runner, new JobSchedule());
  }

  /** @param jobs when this runtime polls its long-running jobs next (see {@link LongRunningJobs}) */
  TaskProcessor(FabricPlugin plugin, TopicCatalog catalog, PluginRuntimeConfig config, String runtime, AvroSerde<RoutedTask> taskSerde,
                FlowStateStore store, OutboundBatch batch, AttemptRunner runner, JobSchedule jobs) {
    this.jobs = jobs;
    this.plugin = plugin;
    this.catalog = catalog;
    this.config = config;
    this.runtime = runtime;
    this.stage = TopicCatalog.pluginStage(plugin.name());
    this.outcomeSizeLimit = new OutcomeSizeLimit(config.maxCheckpointBytes());
    this.taskSerde = taskSerde;
    this.store = store;
    this.batch = batch;
    this.runner = runner;
    this.compensations = new CompensationHandler(plugin, catalog, runner, stage, config.clock(), taskSerde);
    this.intents = new AttemptRunner.Intents() {
      @Override
      public Optional<ExecutionIntent> find(String flowId, String intentId) {
        return store.intent(flowId, intentId);
      }

      @Override
      public void commit(ExecutionIntent intent, String traceparent) {
        batch.stage(batch.outcome(traceparent).intent(intent.flowId(), intent.requestId(), intent), null, null);
        batch.commit();
      }

      @Override
      public void beforeCall(long lastCallNanos) {
        if (lastCallNanos > config.batchLinger().toNanos()) {
          // a slow plugin: the finished tasks before it should not wait for this call
          batch.commit();
        }
      }
    };
  }

  /** Processes one record; empty when the next record may follow, else how long its partition backs off. */
  Optional<Duration> process(ConsumerRecord<byte[], byte[]> record) {
    RoutedTask task;
    try {
      task = record.value() == null ? null : taskSerde.deserialize(record.topic(), record.value());
      if (task == null) {
        throw new SerializationException("empty value on " + record.topic());
      }
    } catch (SerializationException e) {
      deadLetterUndecodable(record, e);
      return Optional.empty();
    }
    TaskRequest request = task.getRequest();
    String traceparent = traceparent(record, request);
    if (!store.owns(request.getFlowId()) || store.partitionOf(request.getFlowId()) != record.partition()) {
      IllegalStateException misplaced = new IllegalStateException("task of flow " + request.getFlowId() + " arrived on partition "
          + record.partition() + " but the flow's state is on partition " + store.partitionOf(request.getFlowId())
          + ": task topics must be keyed by flow id with the default partitioner");
      deadLetter(record, task, null, new Failed(misplaced, List.of(), Reason.PROCESSING_ERROR), traceparent, false);
      return Optional.empty();
    }
    String flowId = request.getFlowId();
    FlowCheckpoint checkpoint = store.checkpoint(flowId).orElse(null);
    if (RollbackRequests.isRollback(request) && RollbackRequests.awaitsCheckpoint(request, checkpoint, now())) {
      // the rollback was planned from a checkpoint this runtime has not read yet: wait for it rather than act on older state
      return Optional.of(config.errorBackoff());
    }
    StepDecision decision = StepDecider.decide(plugin.name(), request, checkpoint);
    if (decision instanceof StepDecision.Run) {
      return execute(record, task, checkpoint, traceparent);
    }
    if (decision instanceof StepDecision.Compensate compensate) {
      CompensationHandler.Compensated compensated = compensations.compensate(task, checkpoint, compensate.step(), traceparent,
          origin(record), batch, intents, config.crashPoint());
      if (compensated.backingOff() != null) {
        return Optional.of(compensated.backingOff().delay());
      }
      batch.stage(compensated.outcome(), record, compensated.beforeCommit());
    } else if (decision instanceof StepDecision.Skip skip) {
      log.info("plugin runtime {}: request {} of flow {} is already checkpointed; skipped", runtime, request.getRequestId(), flowId);
      OutboundBatch.Outcome outcome = batch.outcome(traceparent);
      if (skip.executed()) {
        // The gate set ROUTED again on the way here; the request's status must go back to what happened.
        outcome.add(catalog.requestStatus, request.getRequestId(), Statuses.of(request, task.getDecision(), Outcome.EXECUTED, null,
            "already executed in revision " + checkpoint.getRevision() + "; not run again", now()));
      }
      batch.stage(outcome, record, null);
    } else if (decision instanceof StepDecision.Refuse refuse) {
      deadLetter(record, task, checkpoint, new Failed(new IllegalStateException(refuse.why()), List.of(), refuse.reason()),
          traceparent, false);
    } else if (decision instanceof StepDecision.Ignore ignore) {
      log.info("plugin runtime {}: {}; ignored", runtime, ignore.why());
      batch.stage(batch.outcome(traceparent), record, null);
    } else if (decision instanceof StepDecision.FinishRollback) {
      batch.stage(batch.outcome(traceparent).checkpoint(flowId, FlowCheckpoints.rolledBack(checkpoint, revision())), record, null);
    } else if (decision instanceof StepDecision.Forward forward) {
      batch.stage(batch.outcome(traceparent).add(catalog.pluginTasks(forward.plugin()), flowId, task), record, null);
    }
    return Optional.empty();
  }

  private Optional<Duration> execute(ConsumerRecord<byte[], byte[]> record, RoutedTask task, FlowCheckpoint checkpoint, String traceparent) {
    TaskRequest request = task.getRequest();
    String action = request.getAction();
    if (plugin instanceof LongRunningJobs longRunning && longRunning.startsJob(action)) {
      return startJob(record, task, checkpoint, traceparent, longRunning);
    }
    Attempted attempted = runner.run(new AttemptRunner.Attempt(request.getFlowId(), request.getRequestId(), request.getRequestId(),
            Kind.EXECUTE, action, vendorKey(request), traceparent, checkpoint,
            plugin.inDoubtSupport(), plugin.retryPolicy()),
        context -> plugin.execute(request.getTenantId(), FlowJson.parseObject(request.getPayload()), context), intents);
    if (attempted instanceof BackingOff backingOff) {
      return Optional.of(backingOff.delay());
    }
    if (attempted instanceof Failed failed) {
      deadLetter(record, task, checkpoint, failed, traceparent, true);
      return Optional.empty();
    }
    Done done = (Done) attempted;
    stageExecuted(origin(record), record, task, checkpoint, done.result(), done.attempts(), done.context(), traceparent,
        () -> config.crashPoint().beforeCommit(done.context(), done.result()));
    return Optional.empty();
  }

  /** The idempotency key the plugin gets for a new step of {@code request}, as {@code vendor.keys} says. */
  private String vendorKey(TaskRequest request) {
    return VendorIdempotencyKey.of(config.vendorKeys(), request.getTenantId(), request.getIdempotencyKey());
  }

  /**
   * Stages a step's result: the checkpoint, the status EXECUTED and the intent's tombstone, and
   * {@code consumed}'s offset when it is a record (null for a job finished from the schedule).
   */
  private void stageExecuted(DeadLetters.Origin origin, ConsumerRecord<byte[], byte[]> consumed, RoutedTask task, FlowCheckpoint checkpoint,
                             Map<String, Object> result, List<ExecutionAttempt> attempts, TaskContext context, String traceparent,
                             Runnable beforeCommit) {
    TaskRequest request = task.getRequest();
    String action = request.getAction();
    FlowCheckpoint next = FlowCheckpoints.executed(checkpoint, request, plugin.name(), result, plugin.compensable(action),
        attempts, revision());
    Optional<OutcomeSizeLimit.TooLarge> tooLarge = outcomeSizeLimit.check(next, request.getRequestId(), plugin.compensable(action));
    if (tooLarge.isPresent()) {
      deadLetter(origin, consumed, task, checkpoint, new Failed(tooLarge.get().error(), attempts, tooLarge.get().reason()), traceparent, true);
      return;
    }
    Hop checkpointSpan = runner.tracing().checkpoint(context.traceparent(), request.getRequestId(), next);
    OutboundBatch.Outcome outcome = batch.outcome(checkpointSpan.traceparent())
        .checkpoint(request.getFlowId(), next)
        .add(catalog.requestStatus, request.getRequestId(),
            Statuses.of(request, task.getDecision(), Outcome.EXECUTED, null, next.getNote(), now()))
        .clearIntent(request.getFlowId(), request.getRequestId());
    batch.stage(outcome, consumed, beforeCommit);
    checkpointSpan.close();
  }

  /**
   * Starts a long-running job like any call (intent, retries, in-doubt handling), then checkpoints
   * the step STARTED with the job and the task in the same transaction as the task's offset, and
   * schedules its first poll: from here on the job lives in the checkpoint, not in a thread.
   */
  private Optional<Duration> startJob(ConsumerRecord<byte[], byte[]> record, RoutedTask task, FlowCheckpoint checkpoint, String traceparent,
                                      LongRunningJobs longRunning) {
    TaskRequest request = task.getRequest();
    String action = request.getAction();
    LongRunningJobs.JobStarted[] started = new LongRunningJobs.JobStarted[1];
    Attempted attempted = runner.run(new AttemptRunner.Attempt(request.getFlowId(), request.getRequestId(), request.getRequestId(),
            Kind.EXECUTE, action, vendorKey(request), traceparent, checkpoint,
            plugin.inDoubtSupport(), plugin.retryPolicy()),
        context -> {
          started[0] = longRunning.startJob(request.getTenantId(), FlowJson.parseObject(request.getPayload()), context);
          if (started[0] == null) {
            throw new IllegalStateException("plugin " + plugin.name() + " started no job for " + action);
          }
          FlowJson.write(started[0].details());
          return Map.of("job_id", started[0].jobId());
        }, intents);
    if (attempted instanceof BackingOff backingOff) {
      return Optional.of(backingOff.delay());
    }
    if (attempted instanceof Failed failed) {
      deadLetter(record, task, checkpoint, failed, traceparent, true);
      return Optional.empty();
    }
    Done done = (Done) attempted;
    long now = now();
    Duration deadline = config.jobDeadline() != null ? config.jobDeadline() : longRunning.jobDeadline(action);
    long deadlineAt = now + deadline.toMillis();
    RunningJob job = new RunningJob(started[0].jobId(), action, now,
        JobDecider.firstPoll(now, started[0].pollAfter(), config.jobPollMin(), deadlineAt), deadlineAt, started[0].details(),
        RunningJob.encode(record.value()), record.topic(), record.partition(), record.offset(), traceparent);
    FlowCheckpoint next = FlowCheckpoints.jobStarted(checkpoint, request, plugin.name(), job.jobId(), job.asResult(), done.attempts(),
        revision());
    Optional<OutcomeSizeLimit.TooLarge> tooLarge = outcomeSizeLimit.check(next, request.getRequestId(), true);
    if (tooLarge.isPresent()) {
      deadLetter(record, task, checkpoint, new Failed(tooLarge.get().error(), done.attempts(), tooLarge.get().reason()), traceparent, true);
      return Optional.empty();
    }
    log.info("plugin runtime {}: request {} of flow {} started job {}; polling it from {}", runtime, request.getRequestId(),
        request.getFlowId(), job.jobId(), java.time.Instant.ofEpochMilli(job.pollAt()));
    OutboundBatch.Outcome outcome = batch.outcome(traceparent)
        .checkpoint(request.getFlowId(), next)
        .clearIntent(request.getFlowId(), request.getRequestId());
    batch.stage(outcome, record, () -> config.crashPoint().beforeCommit(done.context(), done.result()));
    jobs.track(request.getFlowId(), request.getRequestId(), record.partition(), job.pollAt());
    return Optional.empty();
  }

  /** Schedules the running jobs of this plugin found in the open flows of these (just restored) partitions. */
  void trackJobs(java.util.Collection<Integer> partitions) {
    if (!(plugin instanceof LongRunningJobs)) {
      return;
    }
    for (int partition : partitions) {
      for (FlowCheckpoint checkpoint : store.openCheckpoints(partition)) {
        for (FlowStep step : checkpoint.getSteps()) {
          if (step.getPlugin().equals(plugin.name())) {
            RunningJob.of(step).ifPresent(job -> jobs.track(checkpoint.getFlowId(), step.getRequestId(), partition, job.pollAt()));
          }
        }
      }
    }
  }

  /**
   * A job's poll is due: asks {@link JobDecider} what to do from the latest checkpoint, polls or
   * cancels it, and stages the step's end (EXECUTED, or FAILED with its dead letter and the flow's
   * rollback) or schedules the next poll. A job whose step is no longer STARTED is dropped.
   */
  void pollJob(JobSchedule.Due due) {
    if (!(plugin instanceof LongRunningJobs longRunning) || !store.owns(due.flowId())) {
      return;
    }
    FlowCheckpoint checkpoint = store.checkpoint(due.flowId()).orElse(null);
    Optional<FlowStep> step = FlowCheckpoints.step(checkpoint, due.requestId());
    Optional<RunningJob> found = step.flatMap(RunningJob::of);
    if (found.isEmpty()) {
      return;
    }
    RunningJob job = found.get();
    JobDecider.Next next = JobDecider.beforePoll(job, FlowStatus.of(checkpoint), now(), config.errorBackoff());
    RoutedTask task = taskSerde.deserialize(job.topic(), job.taskBytes());
    if (next instanceof JobDecider.Drop drop) {
      log.warn("plugin runtime {}: request {} of flow {}: {}", runtime, due.requestId(), due.flowId(), drop.why());
      // the request's dead letter and status, once: the job is not scheduled again (its flow is closed, and a restart
      // tracks only open flows' jobs). Its step stays STARTED, so a rollback started later still cancels the job,
      // which may still run at the vendor, and a replay of this letter is refused (only a failed step runs again)
      deadLetter(origin(job, due.flowId()), null, task, checkpoint, new Failed(new PermanentTaskException(drop.why()),
          step.get().getAttempts(), Reason.EXECUTION_FAILED), job.traceparent(), false);
      return;
    }
    TaskRequest request = task.getRequest();
    TaskContext context = new TaskContext(request.getFlowId(), request.getRequestId(),
        vendorKey(request), request.getAction(),
        1, false, FlowCheckpoints.state(checkpoint), job.traceparent(), checkpoint.getStatus(), checkpoint.getRevision());
    if (next instanceof JobDecider.Poll) {
      try {
        next = JobDecider.afterPoll(job, longRunning.pollJob(request.getTenantId(), job.asJob(), context), now(), config.jobPollMin());
      } catch (TaskException | RuntimeException e) {
        next = JobDecider.afterPollError(job, e, now(), config.errorBackoff());
      }
    } else if (next instanceof JobDecider.Cancel cancel) {
      try {
        longRunning.cancelJob(request.getTenantId(), job.asJob(), context);
        next = new JobDecider.Fail(cancel.why());
      } catch (TaskException | RuntimeException e) {
        next = JobDecider.afterCancelError(job, cancel.why(), e, now(), config.errorBackoff());
      }
    }
    DeadLetters.Origin origin = origin(job, due.flowId());
    if (next instanceof JobDecider.Wait wait) {
      jobs.track(due.flowId(), due.requestId(), due.partition(), wait.at());
    } else if (next instanceof JobDecider.Checkpoint progressed) {
      stageJobProgress(origin, task, checkpoint, step.get(), job.progressed(progressed.details(), progressed.at()), progressed.events(),
          due, longRunning);
    } else if (next instanceof JobDecider.Finish finish) {
      log.info("plugin runtime {}: job {} of request {} succeeded", runtime, job.jobId(), request.getRequestId());
      stageExecuted(origin, null, task, checkpoint, finish.result(), step.get().getAttempts(), context, job.traceparent(), null);
    } else if (next instanceof JobDecider.Fail fail) {
      log.info("plugin runtime {}: job {} of request {} failed: {}", runtime, job.jobId(), request.getRequestId(), fail.why());
      deadLetter(origin, null, task, checkpoint, new Failed(new PermanentTaskException(fail.why()), step.get().getAttempts(),
          Reason.EXECUTION_FAILED), job.traceparent(), true);
    }
  }

  /**
   * Checkpoints a job that moved on (its new details in the STARTED step) with its journal events, in
   * the batch's transaction; the schedule takes the job again only in a later loop, after the commit.
   */
  private void stageJobProgress(DeadLetters.Origin origin, RoutedTask task, FlowCheckpoint checkpoint, FlowStep step, RunningJob job,
                                List<LongRunningJobs.JobEvent> events, JobSchedule.Due due, LongRunningJobs longRunning) {
    TaskRequest request = task.getRequest();
    FlowCheckpoint next = FlowCheckpoints.jobProgressed(checkpoint, request, plugin.name(), job.jobId(), job.asResult(), step.getAttempts(),
        revision());
    Optional<OutcomeSizeLimit.TooLarge> tooLarge = outcomeSizeLimit.check(next, request.getRequestId(), true);
    if (tooLarge.isPresent()) {
      deadLetter(origin, null, task, checkpoint, new Failed(tooLarge.get().error(), step.getAttempts(), tooLarge.get().reason()),
          job.traceparent(), true);
      return;
    }
    OutboundBatch.Outcome outcome = batch.outcome(job.traceparent()).checkpoint(request.getFlowId(), next);
    if (!events.isEmpty()) {
      String journal = longRunning.journal().orElseThrow(() -> new IllegalStateException(
          "plugin " + plugin.name() + " returned job events but names no journal topic"));
      TopicSpec<String, String> topic = catalog.journal(journal);
      events.forEach(event -> outcome.add(topic, event.key(), event.json()));
    }
    batch.stage(outcome, null, null);
    jobs.track(due.flowId(), due.requestId(), due.partition(), job.pollAt());
  }

  /** The dead letter's origin of a job's task: where it was consumed, with its bytes and trace. */
  private static DeadLetters.Origin origin(RunningJob job, String flowId) {
    RecordHeaders headers = new RecordHeaders();
    if (job.traceparent() != null) {
      TraceContext.set(headers, job.traceparent());
    }
    return new DeadLetters.Origin(job.topic(), job.partition(), job.offset(), flowId.getBytes(StandardCharsets.UTF_8), job.taskBytes(),
        headers);
  }

  /**
   * Dead-letters a task with its full context and the request's status and an audit event; when the
   * step itself failed, also checkpoints the flow FAILED and starts its rollback (an in-doubt step is
   * left for a person: its effect may stand, so nothing is compensated automatically).
   */
  private void deadLetter(ConsumerRecord<byte[], byte[]> record, RoutedTask task, FlowCheckpoint checkpoint, Failed failed,
                          String traceparent, boolean stepFailed) {
    deadLetter(origin(record), record, task, checkpoint, failed, traceparent, stepFailed);
  }

  /** As above, with the letter's origin given: {@code consumed} is null for a job failed from the schedule (no record to consume). */
  private void deadLetter(DeadLetters.Origin origin, ConsumerRecord<byte[], byte[]> consumed, RoutedTask task, FlowCheckpoint checkpoint,
                          Failed failed, String traceparent, boolean stepFailed) {
    TaskRequest request = task.getRequest();
    String flowId = request.getFlowId();
    String detail = DeadLetters.bounded(DeadLetters.describe(failed.error()));
    DeadLetter letter = DeadLetters.about(DeadLetters.builder(stage, failed.reason(), origin, failed.error(), now()),
        request, task.getDecision().getActionClass()).setAttempts(failed.attempts()).build();
    OutboundBatch.Outcome outcome = batch.outcome(traceparent);
    outcome.add(catalog.dlq, flowId, letter);
    if (!RollbackRequests.isRollback(request)) {
      outcome.add(catalog.requestStatus, request.getRequestId(),
          Statuses.of(request, task.getDecision(), Outcome.DEAD_LETTER, failed.reason(), detail, now()));
    }
    String auditType = switch (failed.reason()) {
      case IN_DOUBT -> AuditEvents.EXECUTION_IN_DOUBT;
      case TENANT_MISMATCH -> AuditEvents.SECURITY_EVENT;
      default -> AuditEvents.EXECUTION_FAILED;
    };
    outcome.add(catalog.audit, flowId, AuditEvents.about(auditType, request, task.getDecision(), stage + ": " + detail, now()));
    if (stepFailed) {
      FlowCheckpoint failedCheckpoint = FlowCheckpoints.failed(checkpoint, request, plugin.name(), failed.attempts(), detail, revision());
      outcome.checkpoint(flowId, failedCheckpoint);
      outcome.clearIntent(flowId, request.getRequestId());
      if (failed.reason() == Reason.EXECUTION_FAILED) {
        Optional<FlowStep> toCompensate = FlowCheckpoints.nextToCompensate(failedCheckpoint);
        if (toCompensate.isPresent()) {
          String why = "step " + request.getAction() + " (" + request.getRequestId() + ") failed: " + detail;
          RoutedTask rollback = RollbackRequests.create(failedCheckpoint, why, stage, traceparent, now());
          // checkpointed with the rollback request, so a replay of the failed step is refused while it is pending
          outcome.checkpoint(flowId, FlowCheckpoints.rollbackRequested(failedCheckpoint, why, revision()));
          outcome.add(catalog.pluginTasks(toCompensate.get().getPlugin()), flowId, rollback);
        } else {
          outcome.checkpoint(flowId, FlowCheckpoints.rolledBack(failedCheckpoint, revision()));
        }
      }
    }
    batch.stage(outcome, consumed, null);
  }

  /**
   * Dead-letters a task whose processing failed outside the plugin call on bad data (a field or
   * enum value this version does not know, a parse error): {@code PROCESSING_ERROR} with the
   * original bytes, so the same record cannot stop the runtime again. A task stages its outcome as
   * its last step, so nothing of it is staged when it fails.
   */
  void deadLetterProcessingError(ConsumerRecord<byte[], byte[]> record, RuntimeException error) {
    log.warn("plugin runtime {}: task {}-{}@{} dead-lettered: {}", runtime, record.topic(), record.partition(), record.offset(),
        DeadLetters.describe(error));
    RoutedTask task = null;
    try {
      task = taskSerde.deserialize(record.topic(), record.value());
    } catch (RuntimeException undecodable) {
      // the letter goes without the request's fields
    }
    if (task != null) {
      try {
        deadLetter(record, task, null, new Failed(error, List.of(), Reason.PROCESSING_ERROR), traceparent(record, task.getRequest()), false);
        return;
      } catch (RuntimeException alsoFailed) {
        error.addSuppressed(alsoFailed);
      }
    }
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    OutboundBatch.Outcome outcome = batch.outcome(TraceContext.get(record.headers()));
    outcome.add(catalog.dlq, key, DeadLetters.builder(stage, Reason.PROCESSING_ERROR, origin(record), error, now()).build());
    if (task != null) {
      try {
        // a record is serialized when added, so a status that cannot be built or written leaves the letter staged alone
        Optional<RequestStatus> status = processingErrorStatus(task, error, now());
        status.ifPresent(s -> outcome.add(catalog.requestStatus, s.getRequestId(), s));
      } catch (RuntimeException noStatus) {
        error.addSuppressed(noStatus);
        log.warn("plugin runtime {}: task {}-{}@{} dead-lettered without a status (a limits slot it holds is reclaimed after the lease): {}",
            runtime, record.topic(), record.partition(), record.offset(), DeadLetters.describe(noStatus));
      }
    }
    batch.stage(outcome, record, null);
  }

  /**
   * The status of a decoded task whose dead letter had to fall back to the bare record: DEAD_LETTER,
   * PROCESSING_ERROR, so its caller still learns the end and its limits slot is freed; none for a
   * rollback request, which is no request of a caller (as in the ordinary dead letter).
   */
  static Optional<RequestStatus> processingErrorStatus(RoutedTask task, RuntimeException error, long now) {
    if (task.getRequest() == null || RollbackRequests.isRollback(task.getRequest())) {
      return Optional.empty();
    }
    return Optional.of(Statuses.of(task.getRequest(), task.getDecision(), Outcome.DEAD_LETTER, Reason.PROCESSING_ERROR,
        DeadLetters.bounded(DeadLetters.describe(error)), now));
  }

  private void deadLetterUndecodable(ConsumerRecord<byte[], byte[]> record, SerializationException error) {
    log.warn("plugin runtime {}: undecodable record {}-{}@{} dead-lettered: {}", runtime, record.topic(), record.partition(),
        record.offset(), error.getMessage());
    DeadLetter letter = DeadLetters.builder(stage, Reason.UNDECODABLE, origin(record), error, now()).build();
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    OutboundBatch.Outcome outcome = batch.outcome(TraceContext.get(record.headers()));
    outcome.add(catalog.dlq, key, letter);
    outcome.add(catalog.audit, key, AuditEvents.about(AuditEvents.UNDECODABLE_RECORD, null, null,
        stage + ": " + record.topic() + "-" + record.partition() + "@" + record.offset() + ": " + DeadLetters.bounded(error.getMessage()),
        now()));
    batch.stage(outcome, record, null);
  }

  private static DeadLetters.Origin origin(ConsumerRecord<byte[], byte[]> record) {
    return new DeadLetters.Origin(record.topic(), record.partition(), record.offset(), record.key(), record.value(), record.headers());
  }

  private static String traceparent(ConsumerRecord<byte[], byte[]> record, TaskRequest request) {
    String header = TraceContext.get(record.headers());
    if (header != null) {
      return header;
    }
    return request.getTraceparent() != null ? request.getTraceparent() : TraceContext.newTraceparent();
  }

  private long now() {
    return config.clock().instant().toEpochMilli();
  }

  private Revision revision() {
    return Revision.now(config.clock().instant());
  }
}
