package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.JsonSchemas;
import io.fabric.agents.model.ChatMessage;
import io.fabric.agents.model.ChatRequest;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ToolCall;
import io.fabric.agents.model.ToolSpec;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.ModelRoutingException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One agent run, in memory: input validation, then model turns through the router, each decided by
 * the {@link TurnDecider}, tool calls handed to a {@link ToolGate}, until the run finishes or is
 * escalated. This is the loop the durable run will checkpoint turn by turn; it holds no state between
 * runs and writes nothing.
 */
public final class AgentLoop {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How a run ended. */
  public enum Status { COMPLETED, ESCALATED, INVALID_INPUT, MODEL_UNAVAILABLE }

  /** One model turn as the conversation log keeps it: no prompt secrets, no keys. */
  public record Turn(int number, String provider, String model, String text, List<ToolCall> toolCalls, long inputTokens,
      long outputTokens, Duration latency, String decision) {}

  /**
   * @param output the final output when completed; absent otherwise
   * @param reason why the run escalated or failed; empty when completed
   * @param draft what a reviewer sees when escalated
   */
  public record Result(Status status, Optional<JsonNode> output, String reason, String draft, List<Turn> turns) {}

  private final ModelRouter router;
  private final TurnDecider decider;
  private final ToolGate gate;
  private final Map<String, ToolSpec> toolSpecs;

  /** @param toolSpecs the description and argument schema of each action an agent may use, by action */
  public AgentLoop(ModelRouter router, TurnDecider decider, ToolGate gate, Map<String, ToolSpec> toolSpecs) {
    this.router = router;
    this.decider = decider;
    this.gate = gate;
    this.toolSpecs = Map.copyOf(toolSpecs);
  }

  public Result run(AgentDefinition agent, String tenant, JsonNode input) throws InterruptedException {
    List<String> inputErrors = JsonSchemas.compile(agent.inputSchema()).validate(input).stream()
        .map(JsonSchemas.Violation::toString).toList();
    if (!inputErrors.isEmpty()) {
      return new Result(Status.INVALID_INPUT, Optional.empty(), "input does not match the input schema: " + String.join("; ", inputErrors),
          input.toString(), List.of());
    }
    List<ToolSpec> tools = agent.tools().stream().map(this::spec).toList();
    List<ChatMessage> messages = new ArrayList<>();
    messages.add(ChatMessage.user(input.path("text").isTextual() ? input.path("text").asText() : input.toString()));
    List<Turn> turns = new ArrayList<>();
    int invalid = 0;
    for (int number = 1; ; number++) {
      ChatRequest request = new ChatRequest(null, agent.systemPrompt(), messages, tools, agent.model().temperature(),
          agent.model().maxTokens());
      ChatResponse response;
      try {
        response = router.chat(agent.name(), tenant, agent.model(), request).response();
      } catch (ModelRoutingException e) {
        return new Result(Status.MODEL_UNAVAILABLE, Optional.empty(), e.getMessage(), "", List.copyOf(turns));
      }
      TurnDecision decision = decider.decide(agent, tenant, response, number, invalid);
      turns.add(new Turn(number, response.provider(), response.model(), response.text(), response.toolCalls(),
          response.usage().inputTokens(), response.usage().outputTokens(), response.latency(),
          decision.getClass().getSimpleName()));
      messages.add(ChatMessage.assistant(response.text(), response.toolCalls()));
      if (decision instanceof TurnDecision.Finish finish) {
        return new Result(Status.COMPLETED, Optional.of(finish.output()), "", "", List.copyOf(turns));
      } else if (decision instanceof TurnDecision.Escalate escalate) {
        return new Result(Status.ESCALATED, Optional.empty(), escalate.reason(), escalate.draft(), List.copyOf(turns));
      } else if (decision instanceof TurnDecision.AskAgain ask) {
        if (response.toolCalls().isEmpty()) {
          invalid++;
          messages.add(ChatMessage.user(ask.feedback()));
        } else {
          // every proposed call needs an answer before the model speaks again
          for (ToolCall call : response.toolCalls()) {
            messages.add(ChatMessage.toolResult(call.id(), outcome("REFUSED", null, ask.feedback())));
          }
        }
      } else if (decision instanceof TurnDecision.CallTools callTools) {
        for (ToolCall call : callTools.calls()) {
          ToolGate.Outcome outcome = gate.submit(agent.submitter(), tenant, call);
          messages.add(ChatMessage.toolResult(call.id(), outcome(outcome.status(), outcome.result(), outcome.reason())));
        }
      }
    }
  }

  private ToolSpec spec(String action) {
    ToolSpec known = toolSpecs.get(action);
    return known != null ? known
        : new ToolSpec(action, "The fabric action " + action + "; its payload is the arguments.", JSON.createObjectNode().put("type", "object"));
  }

  private static String outcome(String status, JsonNode result, String reason) {
    ObjectNode node = JSON.createObjectNode().put("status", status);
    if (result != null) {
      node.set("result", result);
    }
    if (reason != null && !reason.isEmpty()) {
      node.put("reason", reason);
    }
    return node.toString();
  }
}
