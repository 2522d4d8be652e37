package io.fabric.plugins.flows;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.records.DeadLetters;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The durable-flow lifecycle as pure functions from the last checkpoint to the next one: CREATE on
 * the first step, CHECKPOINT per step (state = previous state merged with the result), COMPLETE on
 * a final step, FAILED, and each ROLLBACK step. The runtime writes what these return; tests call them
 * without Kafka.
 */
public final class FlowCheckpoints {
  private FlowCheckpoints() {}

  /** Identity and clock of one new revision. */
  public record Revision(String id, Instant at) {
    public static Revision now(Instant at) {
      return new Revision(UUID.randomUUID().toString(), at);
    }
  }

  /** A step ran: append it, merge its result into the state, and complete the flow on a final step. */
  public static FlowCheckpoint executed(FlowCheckpoint previous, TaskRequest request, String plugin, Map<String, Object> result,
                                        boolean compensable, List<ExecutionAttempt> attempts, Revision revision) {
    Map<String, Object> state = StateMerge.merge(state(previous), result);
    FlowStep step = step(request, plugin, StepStatus.EXECUTED, FlowJson.write(result == null ? Map.of() : result),
        compensable, attempts, revision);
    List<FlowStep> steps = stepsOf(previous);
    // a step replaced when its long-running job finished is not a rerun
    boolean jobFinished = steps.stream().anyMatch(s -> s.getRequestId().equals(request.getRequestId())
        && StepStatus.valueOf(s.getStatus()) == StepStatus.STARTED);
    boolean rerun = steps.removeIf(s -> s.getRequestId().equals(request.getRequestId())) && !jobFinished;
    steps.add(step);
    boolean completes = request.getFinalStep();
    String note = "step " + steps.size() + " " + request.getAction() + (rerun ? " re-executed on replay by " : " executed by ") + plugin
        + (jobFinished ? " (its job finished)" : "")
        + (attempts.size() > 1 ? " after " + attempts.size() + " attempts" : "")
        + (completes ? "; flow completed" : "")
        + (request.getReplay() != null && request.getReplay().getOriginalSubmitter() != null
            ? "; replayed by " + request.getSubmitter() + " for " + request.getReplay().getOriginalSubmitter() : "");
    return next(previous, request.getFlowId(), request.getTenantId(), revision, note,
        completes ? FlowStatus.COMPLETED : FlowStatus.RUNNING, FlowJson.write(state), steps, request.getSubmitter());
  }

  /**
   * A step started a long-running job: record it STARTED with the job ({@code job}, the step's result
   * until the job ends) and compensable (cancelling the job undoes it); the state and the flow's
   * status stay as they were, since the step has no result yet.
   */
  public static FlowCheckpoint jobStarted(FlowCheckpoint previous, TaskRequest request, String plugin, String jobId,
                                          Map<String, Object> job, List<ExecutionAttempt> attempts, Revision revision) {
    List<FlowStep> steps = stepsOf(previous);
    steps.removeIf(s -> s.getRequestId().equals(request.getRequestId()));
    steps.add(step(request, plugin, StepStatus.STARTED, FlowJson.write(job), true, attempts, revision));
    String note = "step " + steps.size() + " " + request.getAction() + " started job " + jobId + " in " + plugin;
    FlowStatus status = previous == null ? FlowStatus.RUNNING : FlowStatus.of(previous);
    return next(previous, request.getFlowId(), request.getTenantId(), revision, note, status,
        FlowJson.write(state(previous)), steps, request.getSubmitter());
  }

  /**
   * A running job moved on (e.g. an agent's turn was answered): its STARTED step keeps its attempts and
   * gets the job's new record; the flow's state and status stay as they were.
   */
  public static FlowCheckpoint jobProgressed(FlowCheckpoint previous, TaskRequest request, String plugin, String jobId,
                                             Map<String, Object> job, List<ExecutionAttempt> attempts, Revision revision) {
    FlowCheckpoint next = jobStarted(previous, request, plugin, jobId, job, attempts, revision);
    next.setNote("step " + request.getAction() + " (" + request.getRequestId() + "): job " + jobId + " in " + plugin + " progressed");
    return next;
  }

  /** A step failed for good (or is in doubt): record it with its attempts; the state stays as it was. */
  public static FlowCheckpoint failed(FlowCheckpoint previous, TaskRequest request, String plugin,
                                      List<ExecutionAttempt> attempts, String why, Revision revision) {
    List<FlowStep> steps = stepsOf(previous);
    steps.removeIf(s -> s.getRequestId().equals(request.getRequestId()));
    steps.add(step(request, plugin, StepStatus.FAILED, "{}", false, attempts, revision));
    String note = "step " + steps.size() + " " + request.getAction() + " failed in " + plugin + ": " + DeadLetters.bounded(why);
    return next(previous, request.getFlowId(), request.getTenantId(), revision, note, FlowStatus.FAILED,
        FlowJson.write(state(previous)), steps, request.getSubmitter());
  }

  /**
   * One compensation succeeded: the step becomes COMPENSATED, the compensation's result is merged
   * into the state, and the flow is ROLLED_BACK when nothing compensable remains.
   */
  public static FlowCheckpoint compensated(FlowCheckpoint previous, String stepRequestId, Map<String, Object> compensation,
                                           Revision revision) {
    List<FlowStep> steps = withStepStatus(previous, stepRequestId, StepStatus.COMPENSATED);
    FlowStep step = find(steps, stepRequestId);
    Map<String, Object> state = StateMerge.merge(state(previous), compensation);
    FlowCheckpoint draft = next(previous, previous.getFlowId(), previous.getTenantId(), revision, "", FlowStatus.ROLLING_BACK,
        FlowJson.write(state), steps, null);
    boolean done = nextToCompensate(draft).isEmpty();
    draft.setNote("compensated step " + (steps.indexOf(step) + 1) + " " + step.getAction() + " (" + stepRequestId + ") with "
        + step.getPlugin() + (done ? "; " + rolledBackSummary(steps) : ""));
    draft.setStatus((done ? FlowStatus.ROLLED_BACK : FlowStatus.ROLLING_BACK).name());
    return draft;
  }

  /** A compensation failed for good: the flow ends COMPENSATION_FAILED, naming the step. */
  public static FlowCheckpoint compensationFailed(FlowCheckpoint previous, String stepRequestId, String why, Revision revision) {
    List<FlowStep> steps = withStepStatus(previous, stepRequestId, StepStatus.COMPENSATION_FAILED);
    FlowStep step = find(steps, stepRequestId);
    String note = "compensation of step " + (steps.indexOf(step) + 1) + " " + step.getAction() + " (" + stepRequestId + ") by "
        + step.getPlugin() + " failed: " + DeadLetters.bounded(why);
    return next(previous, previous.getFlowId(), previous.getTenantId(), revision, note, FlowStatus.COMPENSATION_FAILED,
        previous.getState(), steps, null);
  }

  /**
   * A rollback of a failed flow was queued (it travels as a request to the owner of the step to
   * compensate next): the flow is ROLLING_BACK from the same transaction on, so a replay of the
   * failed step arriving before the rollback ran is refused instead of running a step the rollback
   * would then undo the flow around.
   */
  public static FlowCheckpoint rollbackRequested(FlowCheckpoint failed, String why, Revision revision) {
    return next(failed, failed.getFlowId(), failed.getTenantId(), revision, "rollback requested: " + DeadLetters.bounded(why),
        FlowStatus.ROLLING_BACK, failed.getState(), stepsOf(failed), null);
  }

  /** Nothing (more) to compensate: the rollback ends here. */
  public static FlowCheckpoint rolledBack(FlowCheckpoint previous, Revision revision) {
    return next(previous, previous.getFlowId(), previous.getTenantId(), revision, rolledBackSummary(previous.getSteps()),
        FlowStatus.ROLLED_BACK, previous.getState(), stepsOf(previous), null);
  }

  /** The latest step whose effect still stands and that its plugin can undo: what a rollback compensates next. */
  public static Optional<FlowStep> nextToCompensate(FlowCheckpoint checkpoint) {
    List<FlowStep> steps = checkpoint == null ? List.of() : checkpoint.getSteps();
    for (int i = steps.size() - 1; i >= 0; i--) {
      FlowStep step = steps.get(i);
      if (step.getCompensable() && StepStatus.valueOf(step.getStatus()).effectStands()) {
        return Optional.of(step);
      }
    }
    return Optional.empty();
  }

  /**
   * Whether a request is a DLQ replay: it carries the replay lineage, which the policy gate accepts
   * only from the replays topic (never an attribute, which any producer upstream could set).
   */
  public static boolean isReplay(TaskRequest request) {
    return request.getReplay() != null;
  }

  /**
   * Whether a replayed request may run its step again: only a step that FAILED (or was in doubt)
   * and never had an effect, only while no rollback is queued or running (the runtime checkpoints
   * ROLLING_BACK in the transaction that queues one, see {@link #rollbackRequested}) and only while
   * no step of the flow was undone, since re-running one step of a rolled-back flow would leave it
   * half done. A FAILED flow with no rollback queued (a step in doubt, left for a person) may rerun
   * its step. Empty when it may; else why not.
   */
  public static Optional<String> whyNotRerun(FlowCheckpoint checkpoint, TaskRequest request) {
    if (!isReplay(request)) {
      return Optional.of("request " + request.getRequestId() + " already has a step in flow " + request.getFlowId());
    }
    Optional<FlowStep> prior = step(checkpoint, request.getRequestId());
    if (prior.isPresent() && StepStatus.valueOf(prior.get().getStatus()) != StepStatus.FAILED) {
      return Optional.of("step " + request.getRequestId() + " is " + prior.get().getStatus() + ": only a failed step runs again on replay");
    }
    if (checkpoint != null && FlowStatus.of(checkpoint) == FlowStatus.ROLLING_BACK) {
      return Optional.of("flow " + request.getFlowId() + " is rolling back since revision " + checkpoint.getRevision()
          + " (its rollback is queued or running): a step run now would be undone around; submit the steps again as a new flow"
          + " once it is ROLLED_BACK");
    }
    if (checkpoint != null && checkpoint.getSteps().stream().anyMatch(s -> {
      StepStatus status = StepStatus.valueOf(s.getStatus());
      return status == StepStatus.COMPENSATED || status == StepStatus.COMPENSATION_FAILED;
    })) {
      return Optional.of("flow " + request.getFlowId() + " was rolled back, its earlier steps undone: submit the steps again as a new flow");
    }
    return Optional.empty();
  }

  /** Whether the flow already recorded a step for this request: if so, it never runs again (unless a replay may rerun it). */
  public static boolean hasStep(FlowCheckpoint checkpoint, String requestId) {
    return checkpoint != null && checkpoint.getSteps().stream().anyMatch(s -> s.getRequestId().equals(requestId));
  }

  public static Optional<FlowStep> step(FlowCheckpoint checkpoint, String requestId) {
    return checkpoint == null ? Optional.empty()
        : checkpoint.getSteps().stream().filter(s -> s.getRequestId().equals(requestId)).findFirst();
  }

  public static Map<String, Object> state(FlowCheckpoint checkpoint) {
    return checkpoint == null ? Map.of() : FlowJson.parseObject(checkpoint.getState());
  }

  private static String rolledBackSummary(List<FlowStep> steps) {
    List<String> compensated = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    for (FlowStep step : steps) {
      String name = step.getAction() + " (" + step.getRequestId() + ")";
      if (StepStatus.valueOf(step.getStatus()) == StepStatus.COMPENSATED) {
        compensated.add(name);
      } else if (StepStatus.valueOf(step.getStatus()) == StepStatus.EXECUTED) {
        kept.add(name);
      }
    }
    return "rolled back: " + compensated.size() + " step(s) compensated"
        + (kept.isEmpty() ? "" : "; not compensable, left as executed: " + String.join(", ", kept));
  }

  private static FlowStep step(TaskRequest request, String plugin, StepStatus status, String result, boolean compensable,
                               List<ExecutionAttempt> attempts, Revision revision) {
    return FlowStep.newBuilder()
        .setRequestId(request.getRequestId())
        .setAction(request.getAction())
        .setPlugin(plugin)
        .setStatus(status.name())
        .setRevisionId(revision.id())
        .setAt(revision.at().toString())
        .setResult(result)
        .setCompensable(compensable)
        .setAttempts(List.copyOf(attempts))
        .setSubmitter(request.getSubmitter())
        .build();
  }

  private static List<FlowStep> withStepStatus(FlowCheckpoint previous, String stepRequestId, StepStatus status) {
    List<FlowStep> steps = new ArrayList<>();
    boolean found = false;
    for (FlowStep step : previous.getSteps()) {
      if (step.getRequestId().equals(stepRequestId)) {
        // the all-args constructor, not newBuilder(step): the builder's deep copy needs Avro's class trust set up
        steps.add(new FlowStep(step.getRequestId(), step.getAction(), step.getPlugin(), status.name(), step.getRevisionId(),
            step.getAt(), step.getResult(), step.getCompensable(), step.getAttempts(), step.getSubmitter()));
        found = true;
      } else {
        steps.add(step);
      }
    }
    if (!found) {
      throw new IllegalArgumentException("flow " + previous.getFlowId() + " has no step for request " + stepRequestId);
    }
    return steps;
  }

  private static FlowStep find(List<FlowStep> steps, String requestId) {
    return steps.stream().filter(s -> s.getRequestId().equals(requestId)).findFirst().orElseThrow();
  }

  private static List<FlowStep> stepsOf(FlowCheckpoint previous) {
    return previous == null ? new ArrayList<>() : new ArrayList<>(previous.getSteps());
  }

  /** @param submitter who caused this revision: the submitter of the step's request; null for a rollback's revisions */
  private static FlowCheckpoint next(FlowCheckpoint previous, String flowId, String tenantId, Revision revision, String note,
                                     FlowStatus status, String state, List<FlowStep> steps, String submitter) {
    return FlowCheckpoint.newBuilder()
        .setFlowId(flowId)
        .setTenantId(previous == null ? tenantId : previous.getTenantId())
        .setRevisionId(revision.id())
        .setAt(revision.at().toString())
        .setNote(note)
        .setStatus(status.name())
        .setState(state)
        .setSteps(steps)
        .setRevision(previous == null ? 1 : previous.getRevision() + 1)
        .setSubmitter(submitter)
        .build();
  }
}
