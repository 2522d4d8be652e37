package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.agents.model.ToolCall;
import java.util.List;

/** What an agent run does after a model turn; decided by {@link TurnDecider}, carried out by the run. */
public sealed interface TurnDecision {
  /** The output is valid and nothing escalates: the run completes with it. */
  record Finish(JsonNode output) implements TurnDecision {}

  /** Submit these tool calls (fabric actions) through the gate, then give the model their outcomes. */
  record CallTools(List<ToolCall> calls) implements TurnDecision {}

  /** Tell the model what was wrong (invalid output, a tool it may not use) and ask again. */
  record AskAgain(String feedback) implements TurnDecision {}

  /**
   * Hand the run to a person (a pending class-B review): {@code draft} is what the agent produced
   * (the output, the proposed call, or the last invalid answer), for the reviewer to approve or reject.
   */
  record Escalate(String reason, String draft) implements TurnDecision {}
}
