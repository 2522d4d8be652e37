package io.fabric.plugins.runtime;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowStatus;
import io.fabric.plugins.flows.RollbackRequests;
import io.fabric.plugins.flows.StepStatus;
import io.fabric.schemas.records.Reason;
import java.util.Optional;

/**
 * Decides from a task and its flow's checkpoint alone what the runtime does with it: skip, refuse,
 * run (or rerun), compensate, forward the rollback, or finish it. No Kafka, no plugin call, so
 * every rule is a plain unit test.
 */
final class StepDecider {
  private StepDecider() {}

  /**
   * @param plugin the name of the plugin whose runtime holds the task
   * @param checkpoint the flow's latest checkpoint, null for a flow not seen yet
   */
  static StepDecision decide(String plugin, TaskRequest request, FlowCheckpoint checkpoint) {
    if (RollbackRequests.isRollback(request)) {
      return rollback(plugin, request, checkpoint);
    }
    if (checkpoint != null && !checkpoint.getTenantId().equals(request.getTenantId())) {
      return new StepDecision.Refuse(Reason.TENANT_MISMATCH, "request of tenant " + request.getTenantId() + " for flow "
          + request.getFlowId() + " of tenant " + checkpoint.getTenantId());
    }
    boolean rerun = false;
    if (FlowCheckpoints.hasStep(checkpoint, request.getRequestId())) {
      Optional<String> whyNot = FlowCheckpoints.whyNotRerun(checkpoint, request);
      // a step whose job is still running (STARTED) has no outcome yet: consumed, its status left alone
      boolean done = FlowCheckpoints.step(checkpoint, request.getRequestId())
          .map(st -> StepStatus.valueOf(st.getStatus()) != StepStatus.FAILED && StepStatus.valueOf(st.getStatus()) != StepStatus.STARTED)
          .orElse(false);
      if (whyNot.isPresent() && (done || !FlowCheckpoints.isReplay(request))) {
        return new StepDecision.Skip(done);
      }
      if (whyNot.isPresent()) {
        return new StepDecision.Refuse(Reason.EXECUTION_FAILED, "replay refused: " + whyNot.get());
      }
      rerun = true;
    }
    if (checkpoint != null && !FlowStatus.of(checkpoint).acceptsSteps() && !rerun) {
      return new StepDecision.Refuse(Reason.EXECUTION_FAILED, "flow " + request.getFlowId() + " is " + checkpoint.getStatus()
          + " since revision " + checkpoint.getRevision() + " and takes no more steps");
    }
    return new StepDecision.Run(rerun);
  }

  private static StepDecision rollback(String plugin, TaskRequest request, FlowCheckpoint checkpoint) {
    String flowId = request.getFlowId();
    if (checkpoint == null) {
      return new StepDecision.Ignore("rollback of flow " + flowId + " which has no checkpoint");
    }
    if (!checkpoint.getTenantId().equals(request.getTenantId())) {
      return new StepDecision.Refuse(Reason.TENANT_MISMATCH, "rollback request of tenant " + request.getTenantId()
          + " for flow " + flowId + " of tenant " + checkpoint.getTenantId());
    }
    if (FlowStatus.of(checkpoint) == FlowStatus.ROLLED_BACK) {
      return new StepDecision.Ignore("flow " + flowId + " is rolled back already");
    }
    Optional<FlowStep> next = FlowCheckpoints.nextToCompensate(checkpoint);
    if (next.isEmpty()) {
      return new StepDecision.FinishRollback();
    }
    FlowStep step = next.get();
    if (!step.getPlugin().equals(plugin)) {
      return new StepDecision.Forward(step.getPlugin());
    }
    return new StepDecision.Compensate(step);
  }
}
