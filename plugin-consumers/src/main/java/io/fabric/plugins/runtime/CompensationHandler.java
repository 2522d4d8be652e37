package io.fabric.plugins.runtime;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RoutedTask;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.flows.FlowJson;
import io.fabric.plugins.runtime.AttemptRunner.Attempted;
import io.fabric.plugins.runtime.AttemptRunner.BackingOff;
import io.fabric.plugins.runtime.AttemptRunner.Done;
import io.fabric.plugins.runtime.AttemptRunner.Failed;
import io.fabric.plugins.runtime.ExecutionIntent.Kind;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.LongRunningJobs;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.topics.TopicCatalog;
import java.time.Clock;
import java.util.Map;
import java.util.UUID;

/**
 * Compensates this plugin's next step of a flow being rolled back: one attempt through the
 * {@link AttemptRunner} with the compensation's own in-doubt support, then the outcome (the step
 * COMPENSATED and the rollback passed on, or COMPENSATION_FAILED with a dead letter and an audit
 * event) for the caller to stage.
 */
final class CompensationHandler {
  /** What to stage for the compensation, or that the partition must back off. */
  record Compensated(OutboundBatch.Outcome outcome, Runnable beforeCommit, BackingOff backingOff) {}

  private final FabricPlugin plugin;
  private final TopicCatalog catalog;
  private final AttemptRunner runner;
  private final String stage;
  private final Clock clock;
  private final AvroSerde<RoutedTask> taskSerde;

  /** @param taskSerde decodes a running job's task (kept in its STARTED step) to write its request's final status */
  CompensationHandler(FabricPlugin plugin, TopicCatalog catalog, AttemptRunner runner, String stage, Clock clock,
                      AvroSerde<RoutedTask> taskSerde) {
    this.taskSerde = taskSerde;
    this.plugin = plugin;
    this.catalog = catalog;
    this.runner = runner;
    this.stage = stage;
    this.clock = clock;
  }

  /** The intent id of a step's compensation; also its idempotency key. */
  static String intentId(String stepRequestId) {
    return "compensate-" + stepRequestId;
  }

  Compensated compensate(RoutedTask task, FlowCheckpoint checkpoint, FlowStep step, String traceparent, DeadLetters.Origin origin,
                         OutboundBatch batch, AttemptRunner.Intents intents, CrashPoint crashPoint) {
    String flowId = task.getRequest().getFlowId();
    String intentId = intentId(step.getRequestId());
    Map<String, Object> stepResult = FlowJson.parseObject(step.getResult());
    // a step whose job still runs is undone by cancelling the job
    java.util.Optional<RunningJob> running = RunningJob.of(step);
    AttemptRunner.PluginCall undo = running.isPresent() && plugin instanceof LongRunningJobs jobs
        ? context -> jobs.cancelJob(checkpoint.getTenantId(), running.get().asJob(), context)
        : context -> plugin.compensate(checkpoint.getTenantId(), Map.of(), stepResult, context);
    Attempted attempted = runner.run(attempt(plugin, flowId, checkpoint, step, traceparent), undo, intents);
    if (attempted instanceof BackingOff backingOff) {
      return new Compensated(null, null, backingOff);
    }
    OutboundBatch.Outcome outcome = batch.outcome(traceparent);
    FlowCheckpoint after;
    Runnable beforeCommit = null;
    if (attempted instanceof Failed failed) {
      after = FlowCheckpoints.compensationFailed(checkpoint, step.getRequestId(), DeadLetters.describe(failed.error()), revision());
      DeadLetter letter = DeadLetters.builder(stage, failed.reason(), origin, failed.error(), now())
          .setTenantId(checkpoint.getTenantId()).setFlowId(flowId).setRequestId(step.getRequestId())
          .setAction(step.getAction()).setAttempts(failed.attempts()).setSubmitter(step.getSubmitter()).build();
      outcome.add(catalog.dlq, flowId, letter);
      outcome.add(catalog.audit, flowId, audit(AuditEvents.COMPENSATION_FAILED, checkpoint.getTenantId(), flowId,
          step.getRequestId(), step.getAction(), after.getNote()));
    } else {
      Done done = (Done) attempted;
      after = FlowCheckpoints.compensated(checkpoint, step.getRequestId(), done.result(), revision());
      outcome.add(catalog.audit, flowId, audit(AuditEvents.COMPENSATED, checkpoint.getTenantId(), flowId,
          step.getRequestId(), step.getAction(), "step " + step.getAction() + " (" + step.getRequestId() + ") undone by " + plugin.name()));
      FlowCheckpoints.nextToCompensate(after).ifPresent(following ->
          outcome.add(catalog.pluginTasks(following.getPlugin()), flowId, task));
      beforeCommit = () -> crashPoint.beforeCommit(done.context(), done.result());
    }
    if (running.isPresent()) {
      // a job's start wrote no status (only its end does): the compensation that ends it writes its request's last one
      RoutedTask jobTask = taskSerde.deserialize(running.get().topic(), running.get().taskBytes());
      String undone = attempted instanceof Failed failed
          ? "cancelling it failed (" + DeadLetters.describe(failed.error()) + "): it may still run at the vendor, check there"
          : null;
      Reason reason = attempted instanceof Failed failed ? failed.reason() : Reason.EXECUTION_FAILED;
      outcome.add(catalog.requestStatus, step.getRequestId(),
          JobDecider.endedWithoutResult(jobTask, reason, JobDecider.compensated(running.get(), flowId, undone), now()));
    }
    outcome.checkpoint(flowId, after);
    outcome.clearIntent(flowId, intentId);
    return new Compensated(outcome, beforeCommit, null);
  }

  /** The attempt that compensates {@code step}: its own intent and idempotency key, the compensation's in-doubt support. */
  static AttemptRunner.Attempt attempt(FabricPlugin plugin, String flowId, FlowCheckpoint checkpoint, FlowStep step, String traceparent) {
    String intentId = intentId(step.getRequestId());
    return new AttemptRunner.Attempt(flowId, step.getRequestId(), intentId, Kind.COMPENSATE, step.getAction(), intentId, traceparent,
        checkpoint, plugin.compensationInDoubtSupport(step.getAction()), plugin.retryPolicy());
  }

  private AuditEvent audit(String type, String tenantId, String flowId, String requestId, String action, String detail) {
    return AuditEvent.newBuilder().setId(UUID.randomUUID().toString()).setAt(now()).setType(type)
        .setTenantId(tenantId).setFlowId(flowId).setRequestId(requestId).setAction(action).setDetail(detail).build();
  }

  private long now() {
    return clock.instant().toEpochMilli();
  }

  private Revision revision() {
    return Revision.now(clock.instant());
  }
}
