package io.fabric.agents.flow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.model.ChatMessage;
import io.fabric.agents.model.ChatRequest;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.Redaction;
import io.fabric.agents.model.ToolSpec;
import io.fabric.agents.router.ModelRouter;
import io.fabric.agents.router.ModelRoutingException;
import io.fabric.agents.run.AgentRun;
import io.fabric.agents.run.ToolGate;
import io.fabric.agents.run.TurnDecider;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.LongRunningJobs;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Durable agent runs on the fabric's flows: a request {@value #ACTION} with payload
 * {@code {"agent": NAME, "input": {...}}} passes the gate like any request and starts a run as a
 * long-running job of this plugin ({@link LongRunningJobs}): the run's whole {@link AgentRun}
 * checkpoint is the job's details in the flow's STARTED step. Each poll does one step and hands the new
 * checkpoint back ({@link JobStatus.Progressed}), which the runtime commits (with the turn's record on
 * {@code fabric.agents.conversations}) before it polls again:
 * <ol>
 *   <li>a model turn: the answer is recorded and checkpointed, so no answered turn is asked again;</li>
 *   <li>the turn's tool calls are submitted as signed requests through the gate (only after the turn is
 *       committed, so a call id always names the call the model made) and marked submitted;</li>
 *   <li>while the calls wait (a class-B approval can take hours) each poll only reads the outcomes
 *       {@link ToolRequests} already knows, without blocking: no thread waits for them;</li>
 *   <li>the outcomes go into the conversation, and the next model turn sees them.</li>
 * </ol>
 * A completed run succeeds with its output (under {@code agent_run}); a run that ends otherwise
 * (rejected review, invalid input, no model) fails its step with the reason. Discovered by ServiceLoader
 * unconfigured (so its task type is routed and its topics exist everywhere); {@code fabric run} replaces it
 * with {@link #configured}.
 */
public final class AgentRunPlugin implements FabricPlugin, LongRunningJobs {
  public static final String NAME = "agents";
  /** The one action that starts a run; the agent is named in the payload (see README, Agents, for why one action). */
  public static final String ACTION = "agent_run";
  /** The journal its turns go to ({@code fabric.agents.conversations} under the default prefix). */
  public static final String JOURNAL = "agents.conversations";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String RUN = "run";
  private static final String SUBMITTED = "submitted";

  /** What a configured plugin runs with. */
  public record Setup(Function<String, Optional<AgentDefinition>> agents, ModelRouter router, TurnDecider decider, ToolRequests tools,
      Map<String, ToolSpec> toolSpecs, Collection<String> secrets, Duration waitPoll, Duration deadline, Duration worstCaseTurn) {}

  private final Setup setup;

  /** Unconfigured (as ServiceLoader finds it): its runs fail with a message saying what to configure. */
  public AgentRunPlugin() {
    this(null);
  }

  private AgentRunPlugin(Setup setup) {
    this.setup = setup;
  }

  public static AgentRunPlugin configured(Setup setup) {
    return new AgentRunPlugin(setup);
  }

  public boolean isConfigured() {
    return setup != null;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> taskTypes() {
    return Set.of(ACTION);
  }

  @Override
  public boolean startsJob(String taskType) {
    return ACTION.equals(taskType);
  }

  /** Starting a run only checkpoints it: nothing outside the fabric happens, so a start in doubt is simply started again. */
  @Override
  public InDoubtSupport inDoubtSupport() {
    return InDoubtSupport.SIDE_EFFECT_FREE;
  }

  /** A poll may be a model turn: the router's attempts over its providers, bounded by their timeouts. */
  @Override
  public Optional<Duration> worstCaseCall() {
    return Optional.of(setup == null ? Duration.ofSeconds(5) : setup.worstCaseTurn());
  }

  @Override
  public Duration jobDeadline(String taskType) {
    return setup == null ? Duration.ofHours(24) : setup.deadline();
  }

  @Override
  public Optional<String> journal() {
    return Optional.of(JOURNAL);
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    throw new PermanentTaskException(ACTION + " runs as a job; the runtime starts it with startJob");
  }

  @Override
  public JobStarted startJob(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    Setup s = require();
    Object name = payload.get("agent");
    if (!(name instanceof String agentName) || agentName.isBlank()) {
      throw new PermanentTaskException("payload field 'agent' must name an agent, e.g. {\"agent\":\"ticket-triage\",\"input\":{...}}");
    }
    AgentDefinition agent = s.agents().apply(agentName)
        .orElseThrow(() -> new PermanentTaskException("no agent '" + agentName + "' is defined (see fabric agents list)"));
    JsonNode input = JSON.valueToTree(payload.getOrDefault("input", Map.of()));
    AgentRun run = AgentRun.start(context.requestId(), agent, tenantId, input);
    if (run.phase() == AgentRun.Phase.INVALID_INPUT) {
      throw new PermanentTaskException(run.reason());
    }
    return new JobStarted(run.runId(), Duration.ZERO, details(run, Set.of()));
  }

  @Override
  public JobStatus pollJob(String tenantId, Job job, TaskContext context) throws TaskException {
    Setup s = require();
    AgentRun run = AgentRun.fromJson(JSON.valueToTree(job.details().get(RUN)));
    Set<String> submitted = new LinkedHashSet<>(submitted(job.details()));
    AgentDefinition agent = s.agents().apply(run.agent())
        .orElseThrow(() -> new PermanentTaskException("agent '" + run.agent() + "' of run " + run.runId() + " is no longer defined"));
    switch (run.phase()) {
      case NEEDS_MODEL_TURN -> {
        return modelTurn(s, agent, run, submitted);
      }
      case ESCALATED -> {
        run.requestReview(agent);
        return progressed(run, submitted, List.of());
      }
      case WAITING_FOR_TOOLS, AWAITING_REVIEW -> {
        return followTools(s, run, submitted);
      }
      case COMPLETED -> {
        return new JobStatus.Succeeded(Map.of("agent_run", JSON.convertValue(summary(run), Map.class)));
      }
      default -> {
        return new JobStatus.Failed("agent run " + run.runId() + " ended " + run.phase() + ": " + run.reason());
      }
    }
  }

  /** Nothing runs outside the fabric while a run waits: its submitted tool calls are requests of their own. */
  @Override
  public Map<String, Object> cancelJob(String tenantId, Job job, TaskContext context) {
    return Map.of("agent_run_cancelled", job.id());
  }

  private JobStatus modelTurn(Setup s, AgentDefinition agent, AgentRun run, Set<String> submitted) throws TaskException {
    List<ToolSpec> tools = agent.tools().stream().map(a -> s.toolSpecs().getOrDefault(a, new ToolSpec(a,
        "The fabric action " + a + "; its payload is the arguments.", JSON.createObjectNode().put("type", "object")))).toList();
    ChatRequest request = run.nextRequest(agent, tools);
    ChatResponse response;
    try {
      response = s.router().chat(agent.name(), run.tenant(), agent.model(), request).response();
    } catch (ModelRoutingException e) {
      return new JobStatus.Failed("agent run " + run.runId() + ": " + Redaction.redact(e.getMessage(), s.secrets()));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryableTaskException("interrupted while asking the model; the turn is asked again");
    }
    // a provider (or a proxy in front of it) that echoes a key must not put it in the checkpoint, nor in a tool call's payload
    response = redacted(response, s.secrets());
    run.recordTurn(agent, response, s.decider());
    AgentRun.Turn turn = run.turns().get(run.turns().size() - 1);
    return progressed(run, submitted, List.of(new JobEvent(run.runId(), conversationEvent(run, agent, request, turn, s.secrets()))));
  }

  /** The model's answer with every configured secret redacted, in its text and in its tool calls' arguments. */
  private static ChatResponse redacted(ChatResponse response, Collection<String> secrets) {
    List<io.fabric.agents.model.ToolCall> calls = new ArrayList<>();
    for (io.fabric.agents.model.ToolCall call : response.toolCalls()) {
      JsonNode arguments = call.arguments();
      String text = arguments == null ? null : arguments.toString();
      String clean = Redaction.redact(text, secrets);
      if (text != null && !clean.equals(text)) {
        try {
          arguments = JSON.readTree(clean);
        } catch (java.io.IOException e) {
          arguments = JSON.getNodeFactory().textNode(clean);
        }
      }
      calls.add(new io.fabric.agents.model.ToolCall(call.id(), call.name(), arguments));
    }
    return new ChatResponse(response.provider(), response.model(), Redaction.redact(response.text(), secrets), calls,
        response.stopReason(), response.usage(), response.latency());
  }

  private JobStatus followTools(Setup s, AgentRun run, Set<String> submitted) {
    List<AgentRun.PendingTool> waiting = run.phase() == AgentRun.Phase.AWAITING_REVIEW
        ? List.of(run.pendingReview().orElseThrow()) : run.pendingTools();
    boolean moved = false;
    for (AgentRun.PendingTool tool : waiting) {
      if (!submitted.contains(tool.requestId())) {
        s.tools().submit(run.tenant(), tool);
        submitted.add(tool.requestId());
        moved = true;
      }
    }
    if (moved) {
      return progressed(run, submitted, List.of());
    }
    for (AgentRun.PendingTool tool : waiting) {
      Optional<ToolGate.Outcome> outcome = s.tools().outcome(run.tenant(), tool);
      if (outcome.isPresent()) {
        if (run.phase() == AgentRun.Phase.AWAITING_REVIEW) {
          run.recordReview(outcome.get());
        } else {
          run.recordToolOutcome(tool.callId(), outcome.get());
        }
        moved = true;
      }
    }
    return moved ? progressed(run, submitted, List.of()) : new JobStatus.Running(s.waitPoll());
  }

  private Setup require() throws PermanentTaskException {
    if (setup == null) {
      throw new PermanentTaskException("agent runs are not configured in this process: fabric run needs an agents directory "
          + "($FABRIC_AGENTS_DIR or ./agents), the agents' submitter keys ($FABRIC_AGENTS_KEYS_DIR) and a model provider "
          + "($FABRIC_AGENTS_PROVIDERS, or --sandbox); see README, Agents");
    }
    return setup;
  }

  private static JobStatus progressed(AgentRun run, Set<String> submitted, List<JobEvent> events) {
    return new JobStatus.Progressed(Duration.ZERO, details(run, submitted), events);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> details(AgentRun run, Set<String> submitted) {
    Map<String, Object> details = new LinkedHashMap<>();
    details.put(RUN, JSON.convertValue(run.toJson(), Map.class));
    details.put(SUBMITTED, new ArrayList<>(submitted));
    return details;
  }

  private static List<String> submitted(Map<String, Object> details) {
    Object list = details.get(SUBMITTED);
    return list instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of();
  }

  /** What a finished run leaves in its flow's state. */
  static ObjectNode summary(AgentRun run) {
    ObjectNode summary = JSON.createObjectNode().put("run_id", run.runId()).put("agent", run.agent())
        .put("phase", run.phase().name().toLowerCase(Locale.ROOT)).put("turns", run.turns().size()).put("reason", run.reason());
    run.output().ifPresent(o -> summary.set("output", o));
    return summary;
  }

  /**
   * One turn as {@code fabric.agents.conversations} keeps it: what the model was sent that it had not seen
   * (the system prompt on the first turn, then the user or tool messages since its last answer), its answer,
   * tokens, provider, model and latency; every configured secret redacted.
   */
  static String conversationEvent(AgentRun run, AgentDefinition agent, ChatRequest request, AgentRun.Turn turn, Collection<String> secrets) {
    ObjectNode event = JSON.createObjectNode().put("run_id", run.runId()).put("agent", run.agent()).put("tenant", run.tenant())
        .put("turn", turn.number()).put("provider", turn.provider()).put("model", turn.model())
        .put("input_tokens", turn.inputTokens()).put("output_tokens", turn.outputTokens()).put("latency_ms", turn.latency().toMillis())
        .put("decision", turn.decision()).put("phase", run.phase().name().toLowerCase(Locale.ROOT));
    if (turn.number() == 1) {
      event.put("system_prompt", agent.systemPrompt());
    }
    ArrayNode prompt = event.putArray("prompt");
    List<ChatMessage> messages = request.messages();
    int from = messages.size();
    while (from > 0 && messages.get(from - 1).role() != ChatMessage.Role.ASSISTANT) {
      from--;
    }
    for (ChatMessage m : messages.subList(from, messages.size())) {
      ObjectNode node = prompt.addObject().put("role", m.role().name().toLowerCase(Locale.ROOT)).put("content", m.content());
      if (m.toolCallId() != null) {
        node.put("tool_call_id", m.toolCallId());
      }
    }
    ObjectNode response = event.putObject("response").put("text", turn.text());
    ArrayNode calls = response.putArray("tool_calls");
    turn.toolCalls().forEach(c -> calls.addObject().put("id", c.id()).put("name", c.name()).set("arguments", c.arguments()));
    event.put("at", java.time.Instant.now().toString());
    return Redaction.redact(event.toString(), secrets);
  }
}
