package io.fabric.plugins.flows;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.topics.ReservedNames;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A rollback travels as a {@link RoutedTask} on the task topic of the plugin that owns the step to
 * compensate next (keyed by flow id, so it is ordered after that flow's earlier tasks). The runtime
 * that receives it compensates its step, checkpoints, and sends the request on to the owner of the
 * next step, until nothing compensable is left; so a rollback crosses plugins and processes without
 * any of them hosting the others, and {@code fabric flows rollback} only has to publish one record.
 *
 * <p>A rollback is a request whose action is {@link ReservedNames#ROLLBACK_ACTION}. That is not a
 * task type name, so the policy gate never routes it: only {@code fabric flows rollback} and the
 * plugin runtimes, writing straight to a task topic, can start one. An attribute is not enough (an
 * upstream producer chooses attributes), so a routed request that carries one is an ordinary step.
 */
public final class RollbackRequests {
  /**
   * Runtimes before replay lineage recognised a rollback by this attribute set to {@code true}; it
   * is still written so they handle a rollback started by a newer process during an upgrade, and
   * never read.
   */
  private static final String MARKER_READ_BY_OLDER_RUNTIMES = ReservedNames.LEGACY_ROLLBACK_ATTRIBUTE;

  private RollbackRequests() {}

  /** Whether the request is a rollback: decided by its action, which the gate can never route. */
  public static boolean isRollback(TaskRequest request) {
    return ReservedNames.ROLLBACK_ACTION.equals(request.getAction());
  }

  /** A request to roll back the flow of {@code checkpoint}. */
  public static RoutedTask create(FlowCheckpoint checkpoint, String reason, String source, String traceparent, long now) {
    String id = "rollback-" + UUID.randomUUID();
    TaskRequest request = TaskRequest.newBuilder()
        .setRequestId(id)
        .setTenantId(checkpoint.getTenantId())
        .setFlowId(checkpoint.getFlowId())
        .setAction(ReservedNames.ROLLBACK_ACTION)
        .setPayload("{}")
        .setIdempotencyKey(id)
        .setSubmittedAt(now)
        .setSource(source)
        .setTraceparent(traceparent)
        .setAttributes(Map.of(MARKER_READ_BY_OLDER_RUNTIMES, "true",
            ReservedNames.ROLLBACK_REASON_ATTRIBUTE, reason == null ? "" : reason))
        .build();
    PolicyDecision decision = PolicyDecision.newBuilder()
        .setActionClass("n/a")
        .setRule(ReservedNames.ROLLBACK_RULE)
        .setPolicyVersion("n/a")
        .setDecidedAt(now)
        .build();
    return RoutedTask.newBuilder().setRequest(request).setDecision(decision).setApprovals(List.of()).build();
  }

  public static String reason(TaskRequest request) {
    return request.getAttributes().getOrDefault(ReservedNames.ROLLBACK_REASON_ATTRIBUTE, "");
  }

  /**
   * The plugin whose task topic a rollback of this checkpoint goes to: the owner of the next step to
   * compensate, else the owner of the last step (which then just marks the flow rolled back).
   */
  public static String targetPlugin(FlowCheckpoint checkpoint) {
    List<FlowStep> steps = checkpoint.getSteps();
    if (steps.isEmpty()) {
      throw new IllegalStateException("flow " + checkpoint.getFlowId() + " has no steps to roll back");
    }
    return FlowCheckpoints.nextToCompensate(checkpoint).map(FlowStep::getPlugin).orElse(steps.get(steps.size() - 1).getPlugin());
  }
}
