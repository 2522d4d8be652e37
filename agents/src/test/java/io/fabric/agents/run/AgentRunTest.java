package io.fabric.agents.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ToolCall;
import io.fabric.policy.Policy;
import io.fabric.schemas.records.Identifiers;
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
    assertEquals(List.of("c-tag", "c-summarize"), run.pendingTools().stream().map(AgentRun.PendingTool::callId).toList());
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

  @Test
  void aCallsIdsAreChosenOnceAtItsTurnKeptInTheCheckpointAndReusedByEveryResume() throws Exception {
    AgentRun run = AgentRun.start("r3", AGENT, "acme", JSON.readTree("{\"text\":\"hi\"}"));
    run.recordTurn(AGENT, calls("tag", "summarize"), DECIDER);
    String checkpoint = run.toJson().toString();

    List<AgentRun.PendingTool> first = AgentRun.fromJson(JSON.readTree(checkpoint)).pendingTools();
    List<AgentRun.PendingTool> second = AgentRun.fromJson(JSON.readTree(checkpoint)).pendingTools();

    assertEquals(run.pendingTools(), first, "a resumed run submits exactly the ids of its checkpoint: the gate sees the same request");
    assertEquals(first, second);
    for (AgentRun.PendingTool call : first) {
      assertTrue(call.requestId().matches("r3-turn-1-call-[12]-[0-9a-f]{32}"), call.requestId());
      assertEquals("agent-run:" + call.requestId(), call.idempotencyKey());
      assertTrue(checkpoint.contains(call.requestId()), "the id is in the checkpoint of the turn that proposed it");
    }
    assertNotEquals(first.get(0).requestId().substring(17), first.get(1).requestId().substring(17), "each call its own random part");
    AgentRun other = AgentRun.start("r3", AGENT, "acme", JSON.readTree("{\"text\":\"hi\"}"));
    other.recordTurn(AGENT, calls("tag", "summarize"), DECIDER);
    assertNotEquals(first.get(0).requestId(), other.pendingTools().get(0).requestId(), "the same run id and answer, other ids");
  }

  @Test
  void aCheckpointOfThePreviousVersionWithIdsDerivedFromTheRunIdStillResumesUnderThoseIds() throws Exception {
    // written before calls had a random part: its calls may already be submitted under these ids, so they are kept as they are
    String old = """
        {"run_id":"r4","agent":"helper","tenant":"acme","phase":"waiting_for_tools","invalid_outputs":0,"reason":"","draft":"",
         "messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"","tool_calls":[{"id":"c-tag","name":"tag",
           "arguments":{"text":"x"}}]}],
         "turns":[{"number":1,"provider":"p","model":"m","text":"","input_tokens":3,"output_tokens":2,"latency_ms":40,
           "decision":"CallTools","tool_calls":[{"id":"c-tag","name":"tag","arguments":{"text":"x"}}]}],
         "pending_tools":[{"call_id":"c-tag","request_id":"r4-turn-1-call-1","idempotency_key":"agent-run:r4-turn-1-call-1",
           "action":"tag","submitter":"agent-helper","payload":{"text":"x"}}]}
        """;
    AgentRun run = AgentRun.fromJson(JSON.readTree(old));

    assertEquals(AgentRun.Phase.WAITING_FOR_TOOLS, run.phase());
    assertEquals(List.of(new AgentRun.PendingTool("c-tag", "r4-turn-1-call-1", "agent-run:r4-turn-1-call-1", "tag",
        JSON.readTree("{\"text\":\"x\"}"), "agent-helper")), run.pendingTools());
    run.recordToolOutcome("c-tag", new ToolGate.Outcome("COMPLETED", JSON.readTree("{\"tags\":[]}"), ""));
    assertEquals(AgentRun.Phase.NEEDS_MODEL_TURN, run.phase());
    assertEquals(1, run.turns().size());
    run.recordTurn(AGENT, calls("summarize"), DECIDER);
    assertTrue(run.pendingTools().get(0).requestId().matches("r4-turn-2-call-1-[0-9a-f]{32}"), "its next turn's calls get the new ids: "
        + run.pendingTools());
  }

  @Test
  void aVeryLongRunIdIsShortenedSoTheCallsIdStaysAValidRequestId() throws Exception {
    String runId = "r".repeat(Identifiers.MAX_ID);
    AgentRun run = AgentRun.start(runId, AGENT, "acme", JSON.readTree("{\"text\":\"hi\"}"));
    run.recordTurn(AGENT, calls("tag"), DECIDER);
    String requestId = run.pendingTools().get(0).requestId();
    assertTrue(requestId.length() <= Identifiers.MAX_ID && requestId.matches("r+-turn-1-call-1-[0-9a-f]{32}"), requestId);
  }
}
