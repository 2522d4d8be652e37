package io.fabric.agents.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ToolCall;
import io.fabric.policy.Policy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class AgentRunTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AgentDefinition AGENT = AgentDefinitions.parse("""
      name: helper
      system_prompt: Help.
      output_schema: {type: object, required: [answer], properties: {answer: {type: string}}}
      tools: [tag, summarize]
      """).definition().orElseThrow();
  private static final TurnDecider DECIDER = new TurnDecider(Policy.defaults());

  private static ChatResponse calls(String... tools) throws Exception {
    List<ToolCall> calls = new java.util.ArrayList<>();
    for (String tool : tools) {
      calls.add(new ToolCall("c-" + tool, tool, JSON.readTree("{\"text\":\"x\"}")));
    }
    return new ChatResponse("p", "m", "", calls, "tool_calls", new ChatResponse.Usage(3, 2), Duration.ofMillis(40));
  }

  @Test
  void toolCallsWaitUntilEveryOutcomeIsInAndRepeatsAreIgnored() throws Exception {
    AgentRun run = AgentRun.start("r1", AGENT, "acme", JSON.readTree("{\"text\":\"hi\"}"));
    run.recordTurn(AGENT, calls("tag", "summarize"), DECIDER);
    assertEquals(AgentRun.Phase.WAITING_FOR_TOOLS, run.phase());
    assertEquals(List.of("r1-turn-1-call-1", "r1-turn-1-call-2"), run.pendingTools().stream().map(AgentRun.PendingTool::requestId).toList());
    assertEquals("agent-helper", run.pendingTools().get(0).submitter());
    ToolGate.Outcome done = new ToolGate.Outcome("COMPLETED", JSON.readTree("{\"tags\":[]}"), "");
    run.recordToolOutcome("c-tag", done);
    run.recordToolOutcome("c-tag", done);
    assertEquals(AgentRun.Phase.WAITING_FOR_TOOLS, run.phase());
    assertThrows(IllegalStateException.class, () -> run.recordTurn(AGENT, calls("tag"), DECIDER), "no turn while tools are out");
    run.recordToolOutcome("c-summarize", new ToolGate.Outcome("BLOCKED", null, "class C"));
    assertEquals(AgentRun.Phase.NEEDS_MODEL_TURN, run.phase());
    assertEquals(3, run.nextRequest(AGENT, List.of()).messages().size() - 1, "the assistant turn and both outcomes follow the task");
    assertEquals("{\"status\":\"BLOCKED\",\"reason\":\"class C\"}", run.nextRequest(AGENT, List.of()).messages().get(3).content());
  }

  @Test
  void theCheckpointReadsBackToTheSameRun() throws Exception {
    AgentRun run = AgentRun.start("r2", AGENT, "acme", JSON.readTree("{\"text\":\"hi\"}"));
    run.recordTurn(AGENT, calls("tag"), DECIDER);
    AgentRun restored = AgentRun.fromJson(JSON.readTree(run.toJson().toString()));
    assertEquals(run.toJson(), restored.toJson());
    assertEquals(run.turns(), restored.turns());
    assertEquals(run.pendingTools(), restored.pendingTools());
  }
}
