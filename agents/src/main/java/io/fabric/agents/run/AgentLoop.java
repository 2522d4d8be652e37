package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ToolSpec;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.ModelRoutingException;
import java.util.List;
import java.util.Map;

/**
 * Drives an {@link AgentRun} to its end: model turns through the router, tool calls through a
 * {@link ToolGate}, a checkpoint after every step. {@link #resume} continues a run from its last
 * checkpoint without asking a model again for a turn that was answered. This loop holds a thread
 * while it waits for a tool's outcome; the durable run on the fabric's flows (not built yet) will
 * instead store the checkpoint and continue when the outcome arrives.
 */
public final class AgentLoop {
  /** Where checkpoints go (a flow's state in the fabric; a list in tests). */
  @FunctionalInterface
  public interface Checkpoints {
    void save(ObjectNode checkpoint);
  }

  private final ModelRouter router;
  private final TurnDecider decider;
  private final ToolGate gate;
  private final Map<String, ToolSpec> toolSpecs;
  private final Checkpoints checkpoints;
  private final boolean handOffEscalations;

  /** A loop whose escalated runs end {@link AgentRun.Phase#ESCALATED}. */
  public AgentLoop(ModelRouter router, TurnDecider decider, ToolGate gate, Map<String, ToolSpec> toolSpecs, Checkpoints checkpoints) {
    this(router, decider, gate, toolSpecs, checkpoints, false);
  }

  /**
   * @param toolSpecs the description and argument schema of each action an agent may use, by action
   * @param handOffEscalations submit an escalated run through {@code gate} as a class-B
   *     {@link AgentRun#REVIEW_ACTION} request and finish it by the reviewer's decision
   */
  public AgentLoop(ModelRouter router, TurnDecider decider, ToolGate gate, Map<String, ToolSpec> toolSpecs, Checkpoints checkpoints,
      boolean handOffEscalations) {
    this.router = router;
    this.decider = decider;
    this.gate = gate;
    this.toolSpecs = Map.copyOf(toolSpecs);
    this.checkpoints = checkpoints;
    this.handOffEscalations = handOffEscalations;
  }

  public AgentRun run(AgentDefinition agent, String tenant, String runId, JsonNode input) throws InterruptedException {
    AgentRun run = AgentRun.start(runId, agent, tenant, input);
    checkpoints.save(run.toJson());
    return resume(agent, run);
  }

  public AgentRun resume(AgentDefinition agent, AgentRun run) throws InterruptedException {
    List<ToolSpec> tools = agent.tools().stream().map(this::spec).toList();
    while (!run.phase().finished() || (handOffEscalations && run.phase() == AgentRun.Phase.ESCALATED)) {
      if (run.phase() == AgentRun.Phase.ESCALATED) {
        run.requestReview(agent);
        checkpoints.save(run.toJson());
        continue;
      }
      if (run.phase() == AgentRun.Phase.AWAITING_REVIEW) {
        run.recordReview(gate.submit(run.tenant(), run.pendingReview().orElseThrow()));
        checkpoints.save(run.toJson());
        continue;
      }
      if (run.phase() == AgentRun.Phase.WAITING_FOR_TOOLS) {
        for (AgentRun.PendingTool tool : run.pendingTools()) {
          run.recordToolOutcome(tool.callId(), gate.submit(run.tenant(), tool));
          checkpoints.save(run.toJson());
        }
        continue;
      }
      ChatResponse response;
      try {
        response = router.chat(agent.name(), run.tenant(), agent.model(), run.nextRequest(agent, tools)).response();
      } catch (ModelRoutingException e) {
        run.modelUnavailable(e.getMessage());
        checkpoints.save(run.toJson());
        break;
      }
      run.recordTurn(agent, response, decider);
      checkpoints.save(run.toJson());
    }
    return run;
  }

  private ToolSpec spec(String action) {
    ToolSpec known = toolSpecs.get(action);
    return known != null ? known : new ToolSpec(action, "The fabric action " + action + "; its payload is the arguments.",
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("type", "object"));
  }
}
