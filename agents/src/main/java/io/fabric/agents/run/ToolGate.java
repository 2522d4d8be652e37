package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Where an agent's tool calls go: in the fabric, a request submitted through the policy gate signed
 * as the agent's submitter, whose outcome (completed, blocked, rejected by an approver, failed) is
 * what the model sees next. The agent never runs an action itself.
 */
@FunctionalInterface
public interface ToolGate {
  /** What became of one tool call. */
  record Outcome(String status, JsonNode result, String reason) {}

  /**
   * Submits {@code tool} for {@code tenant} and returns its outcome. Called again with the same
   * request id and idempotency key after a crash, it must not run the action twice.
   */
  Outcome submit(String tenant, AgentRun.PendingTool tool) throws InterruptedException;
}
