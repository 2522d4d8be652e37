package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.JsonSchemas;
import io.fabric.agents.model.ChatMessage;
import io.fabric.agents.model.ChatRequest;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ToolCall;
import io.fabric.agents.model.ToolSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One agent run as a checkpointable state machine, so that a run can survive a crash: everything it
 * knows (the conversation, every answered turn, the tool calls it waits for) is in {@link #toJson()},
 * and {@link #fromJson} resumes exactly there. A turn is recorded once its answer is in, so a run
 * restored after that never asks a model for that turn again. A tool call's request id and idempotency
 * key are drawn at random ({@link ToolCallIds}) when the turn is recorded, so they are in the turn's
 * checkpoint: submitting the call again after a crash is the same request to the fabric's duplicate
 * check, while nobody who merely knows the run id can predict (and take or block) the id first.
 * A checkpoint of an earlier version, whose ids were {@code RUN-turn-N-call-M} without a random part,
 * resumes under the ids it holds: they may already have been submitted.
 *
 * <p>Holds no provider configuration and no key: what it stores is safe to checkpoint and log.
 */
public final class AgentRun {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where a run is. */
  public enum Phase {
    NEEDS_MODEL_TURN, WAITING_FOR_TOOLS,
    /** Escalated and handed to a person as a class-B {@code agent_review} request; waits for the decision. */
    AWAITING_REVIEW,
    COMPLETED, ESCALATED,
    /** The person reviewing the escalation rejected it (or the gate refused the review request). */
    REJECTED,
    INVALID_INPUT, MODEL_UNAVAILABLE;

    public boolean finished() {
      return this != NEEDS_MODEL_TURN && this != WAITING_FOR_TOOLS && this != AWAITING_REVIEW;
    }
  }

  /** The action an escalated run is handed to a person as: class B, so it waits for an approver. */
  public static final String REVIEW_ACTION = "agent_review";
  private static final String REVIEW_CALL = "review";

  /** One model turn as the conversation log keeps it. */
  public record Turn(int number, String provider, String model, String text, List<ToolCall> toolCalls, long inputTokens,
      long outputTokens, Duration latency, String decision) {}

  /**
   * A tool call waiting for its outcome, as the request to submit: signed as {@code submitter},
   * deduplicated by {@code idempotencyKey}. Its ids are fixed when the call is recorded and read back
   * from the checkpoint, never derived again.
   */
  public record PendingTool(String callId, String requestId, String idempotencyKey, String action, JsonNode payload, String submitter) {}

  private final String runId;
  private final String agent;
  private final String tenant;
  private final List<ChatMessage> messages;
  private final List<Turn> turns;
  private final Map<String, PendingTool> pending;
  private Phase phase;
  private int invalid;
  private JsonNode output;
  private String reason;
  private String draft;

  private AgentRun(String runId, String agent, String tenant, List<ChatMessage> messages, List<Turn> turns,
      Map<String, PendingTool> pending, Phase phase, int invalid, JsonNode output, String reason, String draft) {
    this.runId = runId;
    this.agent = agent;
    this.tenant = tenant;
    this.messages = messages;
    this.turns = turns;
    this.pending = pending;
    this.phase = phase;
    this.invalid = invalid;
    this.output = output;
    this.reason = reason;
    this.draft = draft;
  }

  /** A new run; input breaking the agent's input schema ends it at once, before any model sees it. */
  public static AgentRun start(String runId, AgentDefinition agent, String tenant, JsonNode input) {
    List<String> errors = JsonSchemas.compile(agent.inputSchema()).validate(input).stream().map(JsonSchemas.Violation::toString).toList();
    AgentRun run = new AgentRun(runId, agent.name(), tenant, new ArrayList<>(), new ArrayList<>(), new LinkedHashMap<>(),
        Phase.NEEDS_MODEL_TURN, 0, null, "", "");
    if (!errors.isEmpty()) {
      run.end(Phase.INVALID_INPUT, "input does not match the input schema: " + String.join("; ", errors), input.toString());
      return run;
    }
    run.messages.add(ChatMessage.user(input.path("text").isTextual() ? input.path("text").asText() : input.toString()));
    return run;
  }

  public String runId() {
    return runId;
  }

  public String agent() {
    return agent;
  }

  public String tenant() {
    return tenant;
  }

  public Phase phase() {
    return phase;
  }

  public List<Turn> turns() {
    return List.copyOf(turns);
  }

  public Optional<JsonNode> output() {
    return Optional.ofNullable(output);
  }

  public String reason() {
    return reason;
  }

  public String draft() {
    return draft;
  }

  public List<PendingTool> pendingTools() {
    return List.copyOf(pending.values());
  }

  /** The request of the next model turn; only while {@link Phase#NEEDS_MODEL_TURN}. */
  public ChatRequest nextRequest(AgentDefinition definition, List<ToolSpec> tools) {
    require(Phase.NEEDS_MODEL_TURN);
    return new ChatRequest(null, definition.systemPrompt(), messages, tools, definition.model().temperature(),
        definition.model().maxTokens());
  }

  /** The checkpoint point of a turn: the model's answer and what {@code decider} makes of it. */
  public TurnDecision recordTurn(AgentDefinition definition, ChatResponse response, TurnDecider decider) {
    require(Phase.NEEDS_MODEL_TURN);
    int number = turns.size() + 1;
    TurnDecision decision = decider.decide(definition, tenant, response, number, invalid);
    turns.add(new Turn(number, response.provider(), response.model(), response.text(), response.toolCalls(),
        response.usage().inputTokens(), response.usage().outputTokens(), response.latency(), decision.getClass().getSimpleName()));
    messages.add(ChatMessage.assistant(response.text(), response.toolCalls()));
    if (decision instanceof TurnDecision.Finish finish) {
      output = finish.output();
      phase = Phase.COMPLETED;
    } else if (decision instanceof TurnDecision.Escalate escalate) {
      end(Phase.ESCALATED, escalate.reason(), escalate.draft());
    } else if (decision instanceof TurnDecision.AskAgain ask) {
      if (response.toolCalls().isEmpty()) {
        invalid++;
        messages.add(ChatMessage.user(ask.feedback()));
      } else {
        // every proposed call needs an answer before the model speaks again
        response.toolCalls().forEach(call -> messages.add(ChatMessage.toolResult(call.id(), outcome("REFUSED", null, ask.feedback()))));
      }
    } else if (decision instanceof TurnDecision.CallTools calls) {
      for (int i = 0; i < calls.calls().size(); i++) {
        ToolCall call = calls.calls().get(i);
        String requestId = ToolCallIds.newRequestId(runId, "turn-" + number + "-call-" + (i + 1));
        pending.put(call.id(), new PendingTool(call.id(), requestId, ToolCallIds.idempotencyKey(requestId), call.name(), call.arguments(),
            definition.submitter()));
      }
      phase = Phase.WAITING_FOR_TOOLS;
    }
    return decision;
  }

  /** The outcome of a pending tool call; when it was the last one, the run needs its next model turn. Repeats are ignored. */
  public void recordToolOutcome(String callId, ToolGate.Outcome outcome) {
    if (pending.remove(callId) == null) {
      return;
    }
    messages.add(ChatMessage.toolResult(callId, outcome(outcome.status(), outcome.result(), outcome.reason())));
    if (pending.isEmpty()) {
      phase = Phase.NEEDS_MODEL_TURN;
    }
  }

  /**
   * Hands an escalated run to a person: the review request (signed as the agent, payload: run id,
   * agent, reason, draft) to submit; the run then waits for its outcome. Its ids are drawn here, so
   * the caller must checkpoint the run before it submits the request.
   */
  public PendingTool requestReview(AgentDefinition definition) {
    require(Phase.ESCALATED);
    ObjectNode payload = JSON.createObjectNode().put("run_id", runId).put("agent", agent).put("reason", reason).put("draft", draft);
    String requestId = ToolCallIds.newRequestId(runId, "review");
    PendingTool review = new PendingTool(REVIEW_CALL, requestId, ToolCallIds.idempotencyKey(requestId), REVIEW_ACTION, payload,
        definition.submitter());
    pending.put(REVIEW_CALL, review);
    phase = Phase.AWAITING_REVIEW;
    return review;
  }

  /**
   * The reviewer's decision: approved (the review request executed), the run completes with the
   * draft as its output (the draft itself when it is a JSON object, else under {@code draft});
   * anything else (rejected, expired, blocked) ends it {@link Phase#REJECTED}.
   */
  public void recordReview(ToolGate.Outcome outcome) {
    require(Phase.AWAITING_REVIEW);
    pending.remove(REVIEW_CALL);
    if ("COMPLETED".equals(outcome.status())) {
      output = AgentOutputs.jsonObject(draft).orElseGet(() -> JSON.createObjectNode().put("draft", draft));
      phase = Phase.COMPLETED;
      reason = "approved after escalation: " + reason;
    } else {
      phase = Phase.REJECTED;
      reason = "review " + outcome.status() + (outcome.reason() == null || outcome.reason().isEmpty() ? "" : " (" + outcome.reason() + ")")
          + " after escalation: " + reason;
    }
  }

  /** The review request waiting for its decision, if the run is {@link Phase#AWAITING_REVIEW}. */
  public Optional<PendingTool> pendingReview() {
    return Optional.ofNullable(pending.get(REVIEW_CALL));
  }

  /** No provider answered: the run stops here (a retry of the run resumes from its last checkpoint). */
  public void modelUnavailable(String why) {
    end(Phase.MODEL_UNAVAILABLE, why, "");
  }

  private void end(Phase ended, String why, String draftText) {
    phase = ended;
    reason = why;
    draft = draftText;
  }

  private void require(Phase expected) {
    if (phase != expected) {
      throw new IllegalStateException("agent run " + runId + " is " + phase + ", not " + expected);
    }
  }

  private static String outcome(String status, JsonNode result, String why) {
    ObjectNode node = JSON.createObjectNode().put("status", status);
    if (result != null) {
      node.set("result", result);
    }
    if (why != null && !why.isEmpty()) {
      node.put("reason", why);
    }
    return node.toString();
  }

  /** The checkpoint: everything needed to resume, nothing secret. */
  public ObjectNode toJson() {
    ObjectNode json = JSON.createObjectNode();
    json.put("run_id", runId).put("agent", agent).put("tenant", tenant).put("phase", phase.name().toLowerCase(Locale.ROOT))
        .put("invalid_outputs", invalid).put("reason", reason).put("draft", draft);
    if (output != null) {
      json.set("output", output);
    }
    ArrayNode conversation = json.putArray("messages");
    for (ChatMessage message : messages) {
      ObjectNode m = conversation.addObject().put("role", message.role().name().toLowerCase(Locale.ROOT)).put("content", message.content());
      if (!message.toolCalls().isEmpty()) {
        m.set("tool_calls", calls(message.toolCalls()));
      }
      if (message.toolCallId() != null) {
        m.put("tool_call_id", message.toolCallId());
      }
    }
    ArrayNode turnLog = json.putArray("turns");
    for (Turn turn : turns) {
      turnLog.addObject().put("number", turn.number()).put("provider", turn.provider()).put("model", turn.model())
          .put("text", turn.text()).put("input_tokens", turn.inputTokens()).put("output_tokens", turn.outputTokens())
          .put("latency_ms", turn.latency().toMillis()).put("decision", turn.decision()).set("tool_calls", calls(turn.toolCalls()));
    }
    ArrayNode waiting = json.putArray("pending_tools");
    for (PendingTool tool : pending.values()) {
      waiting.addObject().put("call_id", tool.callId()).put("request_id", tool.requestId()).put("idempotency_key", tool.idempotencyKey())
          .put("action", tool.action()).put("submitter", tool.submitter()).set("payload", tool.payload());
    }
    return json;
  }

  /**
   * Resumes a run from its checkpoint, of this version or an earlier one: a waiting call keeps the
   * request id and idempotency key the checkpoint holds, whatever their shape.
   */
  public static AgentRun fromJson(JsonNode json) {
    List<ChatMessage> messages = new ArrayList<>();
    for (JsonNode m : json.path("messages")) {
      messages.add(new ChatMessage(ChatMessage.Role.valueOf(m.path("role").asText().toUpperCase(Locale.ROOT)), m.path("content").asText(),
          toolCalls(m.path("tool_calls")), m.hasNonNull("tool_call_id") ? m.path("tool_call_id").asText() : null));
    }
    List<Turn> turns = new ArrayList<>();
    for (JsonNode t : json.path("turns")) {
      turns.add(new Turn(t.path("number").asInt(), t.path("provider").asText(), t.path("model").asText(), t.path("text").asText(),
          toolCalls(t.path("tool_calls")), t.path("input_tokens").asLong(), t.path("output_tokens").asLong(),
          Duration.ofMillis(t.path("latency_ms").asLong()), t.path("decision").asText()));
    }
    Map<String, PendingTool> pending = new LinkedHashMap<>();
    for (JsonNode p : json.path("pending_tools")) {
      pending.put(p.path("call_id").asText(), new PendingTool(p.path("call_id").asText(), p.path("request_id").asText(),
          p.path("idempotency_key").asText(), p.path("action").asText(), p.path("payload"), p.path("submitter").asText()));
    }
    return new AgentRun(json.path("run_id").asText(), json.path("agent").asText(), json.path("tenant").asText(), messages, turns, pending,
        Phase.valueOf(json.path("phase").asText().toUpperCase(Locale.ROOT)), json.path("invalid_outputs").asInt(),
        json.hasNonNull("output") ? json.get("output") : null, json.path("reason").asText(), json.path("draft").asText());
  }

  private static ArrayNode calls(List<ToolCall> calls) {
    ArrayNode array = JSON.createArrayNode();
    calls.forEach(c -> array.addObject().put("id", c.id()).put("name", c.name()).set("arguments", c.arguments()));
    return array;
  }

  private static List<ToolCall> toolCalls(JsonNode array) {
    List<ToolCall> calls = new ArrayList<>();
    array.forEach(c -> calls.add(new ToolCall(c.path("id").asText(), c.path("name").asText(), c.path("arguments"))));
    return calls;
  }
}
