package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinition.Escalation;
import io.fabric.agents.definition.AgentDefinition.FieldRule;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ToolCall;
import io.fabric.policy.ActionClass;
import io.fabric.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The agent loop's decisions, without Kafka or HTTP: given the agent, the model's latest answer and
 * how many invalid outputs came before, what happens next.
 *
 * <ul>
 *   <li>Tool calls: a tool the agent does not list is refused back to the model (it never reaches
 *       the gate); a tool whose policy class the agent's escalation names (e.g. B, C) escalates with
 *       the proposed call as the draft; otherwise the calls are submitted through the gate, which
 *       still decides (approval for B, block for C), so an agent can never do what policy forbids.</li>
 *   <li>A final answer: invalid against the output schema is sent back with the errors, until
 *       {@code max_validation_failures} invalid answers, then escalated with the last one as the draft;
 *       a valid one escalates on low confidence or a field value, else finishes the run.</li>
 *   <li>More turns than {@code max_turns} escalates; more than {@link #MAX_TOOL_CALLS_PER_TURN} calls in one turn are refused.</li>
 * </ul>
 */
public final class TurnDecider {
  /**
   * At most this many tool calls per turn: each is a signed request of its own, so one answer of a
   * runaway (or steered) model must not become a flood of requests; more are refused back to the model.
   */
  public static final int MAX_TOOL_CALLS_PER_TURN = 16;

  private final Policy policy;

  public TurnDecider(Policy policy) {
    this.policy = policy;
  }

  /**
   * @param turn 1-based number of the model turn just answered
   * @param invalidBefore invalid final answers earlier in this run
   */
  public TurnDecision decide(AgentDefinition agent, String tenant, ChatResponse response, int turn, int invalidBefore) {
    Escalation rules = agent.escalation();
    if (!response.toolCalls().isEmpty()) {
      List<String> refused = new ArrayList<>();
      for (ToolCall call : response.toolCalls()) {
        if (!agent.tools().contains(call.name())) {
          refused.add(call.name());
        }
      }
      if (response.toolCalls().size() > MAX_TOOL_CALLS_PER_TURN) {
        String why = response.toolCalls().size() + " tool calls in one turn; at most " + MAX_TOOL_CALLS_PER_TURN;
        return turn >= agent.model().maxTurns() ? new TurnDecision.Escalate(why, response.text()) : new TurnDecision.AskAgain(why);
      }
      if (!refused.isEmpty() && turn >= agent.model().maxTurns()) {
        return new TurnDecision.Escalate("no final answer after " + turn + " turns (max_turns); last proposed unavailable tool(s) "
            + refused, response.text());
      }
      if (!refused.isEmpty()) {
        return new TurnDecision.AskAgain("tool(s) " + refused + " are not available to this agent; use only " + agent.tools());
      }
      for (ToolCall call : response.toolCalls()) {
        ActionClass actionClass = policy.classify(tenant, call.name()).actionClass();
        if (rules.proposedActionClasses().contains(actionClass.name())) {
          return new TurnDecision.Escalate("proposed class-" + actionClass.name() + " action " + call.name(),
              call.name() + " " + call.arguments());
        }
      }
      if (turn >= agent.model().maxTurns()) {
        return new TurnDecision.Escalate("no final answer after " + turn + " turns (max_turns)", response.text());
      }
      return new TurnDecision.CallTools(response.toolCalls());
    }
    AgentOutputs.Checked checked = AgentOutputs.check(agent, response.text());
    if (!checked.valid()) {
      int invalid = invalidBefore + 1;
      if (invalid > rules.maxValidationFailures() || turn >= agent.model().maxTurns()) {
        return new TurnDecision.Escalate("output failed its schema " + invalid + " time(s): " + String.join("; ", checked.errors()),
            response.text());
      }
      return new TurnDecision.AskAgain("Your answer does not match the output schema: " + String.join("; ", checked.errors())
          + ". Answer again with one JSON object that does.");
    }
    JsonNode output = checked.output().orElseThrow();
    String reason = outputEscalation(rules, output);
    return reason == null ? new TurnDecision.Finish(output) : new TurnDecision.Escalate(reason, output.toString());
  }

  /** Why a valid output goes to a person, or null. */
  static String outputEscalation(Escalation rules, JsonNode output) {
    if (rules.confidenceBelow().isPresent()) {
      JsonNode confidence = output.at(rules.confidenceField());
      if (!confidence.isNumber()) {
        return "output has no numeric " + rules.confidenceField() + " to check against confidence_below";
      }
      if (confidence.asDouble() < rules.confidenceBelow().get()) {
        return String.format(Locale.ROOT, "confidence %s below %s", confidence.asText(), rules.confidenceBelow().get());
      }
    }
    for (FieldRule rule : rules.fields()) {
      JsonNode value = output.at(rule.field());
      if (rule.values().contains(value)) {
        return "output " + rule.field() + " is " + value;
      }
    }
    return null;
  }
}
