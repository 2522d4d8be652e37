package io.fabric.agents.flow;

import io.fabric.agents.run.AgentRun;
import io.fabric.agents.run.ToolGate;
import java.util.Optional;

/**
 * A durable agent run's tool calls as the fabric's requests, without holding a thread: {@link #submit}
 * sends the signed request and returns; {@link #outcome} answers at once with the final outcome if it is
 * known (and believed, see {@link ToolOutcomeCheck}), else empty, and the run asks again at its next poll.
 */
public interface ToolRequests {
  /** Submits the call as a request through the gate, signed as its submitter; the same call again is the same request. */
  void submit(String tenant, AgentRun.PendingTool tool);

  /** The call's final outcome if known now; never blocks. */
  Optional<ToolGate.Outcome> outcome(String tenant, AgentRun.PendingTool tool);
}
