package io.fabric.agents.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.run.AgentRun;
import io.fabric.agents.run.ToolGate;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.schemas.records.Outcome;
import java.io.IOException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a status record on {@code fabric.requests.status} may become what an agent sees as its tool
 * call's outcome, without Kafka. Anyone who can write that topic can write a record under the call's
 * request id, so a status is believed only when it is about this very request (tenant, action, flow,
 * submitter) and, for an execution, when the plugin runtime's own checkpoint of the call's flow has the
 * step EXECUTED: the result the model sees is that checkpoint's state, never the status's word.
 */
public final class ToolOutcomeCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ToolOutcomeCheck() {}

  /** What a status record means for a waiting call. */
  public sealed interface Verdict {
    /** The call's final outcome, for the model. */
    record Final(ToolGate.Outcome outcome) implements Verdict {}

    /** Not final yet (routed, pending approval): keep waiting. */
    record NotYet(String outcome) implements Verdict {}

    /** Not believed (another request's record, or an execution the runtime has not checkpointed): ignored, keep waiting. */
    record Untrusted(String why) implements Verdict {}
  }

  /**
   * @param checkpoint the latest checkpoint of the call's flow (its flow id is its request id), read
   *     only for an EXECUTED status; empty when none was found
   */
  public static Verdict judge(String tenant, AgentRun.PendingTool tool, RequestStatus status, Optional<FlowCheckpoint> checkpoint) {
    if (!tool.requestId().equals(status.getRequestId()) || !tenant.equals(status.getTenantId())
        || !tool.action().equals(status.getAction()) || !tool.requestId().equals(status.getFlowId())
        || (status.getSubmitter() != null && !tool.submitter().equals(status.getSubmitter()))) {
      return new Verdict.Untrusted("status of request " + status.getRequestId() + " (tenant " + status.getTenantId() + ", action "
          + status.getAction() + ", flow " + status.getFlowId() + ", submitter " + status.getSubmitter() + ") is not the call "
          + tool.requestId() + " (" + tenant + ", " + tool.action() + ", signed as " + tool.submitter() + ")");
    }
    Outcome outcome;
    try {
      outcome = Outcome.valueOf(status.getOutcome());
    } catch (IllegalArgumentException e) {
      return new Verdict.Untrusted("unknown outcome " + status.getOutcome());
    }
    if (!outcome.terminal()) {
      return new Verdict.NotYet(outcome.name());
    }
    String reason = Objects.toString(status.getReason(), "");
    if (outcome != Outcome.EXECUTED) {
      String detail = Objects.toString(status.getDetail(), "");
      return new Verdict.Final(new ToolGate.Outcome(outcome.name(), null, detail.isEmpty() ? reason : reason + ": " + detail));
    }
    Optional<FlowStep> step = checkpoint.flatMap(c -> c.getSteps().stream().filter(s -> s.getRequestId().equals(tool.requestId())).findFirst());
    if (step.isEmpty() || !"EXECUTED".equals(step.get().getStatus()) || !tenant.equals(checkpoint.get().getTenantId())) {
      return new Verdict.Untrusted("status says request " + tool.requestId() + " EXECUTED, but no checkpoint of its flow has the step executed");
    }
    List<String> others = checkpoint.get().getSteps().stream().map(FlowStep::getRequestId).filter(id -> !id.equals(tool.requestId()))
        .distinct().toList();
    if (!others.isEmpty()) {
      // the call is its own flow; a tenant member may still add steps to it (flow id = the call's request id), and then the
      // flow's state is partly theirs: the model learns the call ran, never what another request wrote
      return new Verdict.Final(new ToolGate.Outcome("COMPLETED", null, "executed; its result is withheld because its flow "
          + tool.requestId() + " also has steps of request(s) " + others + " that this agent did not make"));
    }
    return new Verdict.Final(new ToolGate.Outcome("COMPLETED", parse(checkpoint.get().getState()), reason));
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      return JSON.getNodeFactory().textNode(json);
    }
  }
}
