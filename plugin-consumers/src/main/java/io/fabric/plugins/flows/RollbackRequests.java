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
  /**
   * Attribute of a rollback request: the revision of the checkpoint it was planned from. The request
   * and that checkpoint are on different partitions, so a runtime may see the request first; it
   * waits until its flow state has caught up to this revision.
   */
  public static final String PLANNED_REVISION_ATTRIBUTE = "fabric.rollback.revision";
  /** How long a rollback waits for its checkpoint before it is handled with what the runtime has. */
  public static final java.time.Duration CHECKPOINT_WAIT = java.time.Duration.ofMinutes(2);

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
            ReservedNames.ROLLBACK_REASON_ATTRIBUTE, reason == null ? "" : reason,
            PLANNED_REVISION_ATTRIBUTE, Integer.toString(checkpoint.getRevision())))
        .build();
    PolicyDecision decision = PolicyDecision.newBuilder()
        .setActionClass("n/a")
        .setRule(ReservedNames.ROLLBACK_RULE)
        .setPolicyVersion("n/a")
        .setDecidedAt(now)
        .build();
    return RoutedTask.newBuilder().setRequest(request).setDecision(decision).setApprovals(List.of()).build();
  }

  /**
   * Whether a rollback must wait for its flow state: the checkpoint it was planned from is not
   * visible yet ({@code current} is older or missing) and the request is younger than
   * {@link #CHECKPOINT_WAIT}. A request without the planned revision (from an older process) never waits.
   */
  public static boolean awaitsCheckpoint(TaskRequest request, FlowCheckpoint current, long now) {
    String planned = request.getAttributes().get(PLANNED_REVISION_ATTRIBUTE);
    if (planned == null || !planned.matches("\\d{1,9}")) {
      return false;
    }
    boolean behind = current == null || current.getRevision() < Integer.parseInt(planned);
    return behind && now - request.getSubmittedAt() < CHECKPOINT_WAIT.toMillis();
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
