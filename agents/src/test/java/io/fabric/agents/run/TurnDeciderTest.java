package io.fabric.agents.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ToolCall;
import io.fabric.policy.Policy;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TurnDeciderTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AgentDefinition TRIAGE = AgentDefinitions.parse("""
      name: triage
      system_prompt: Triage tickets.
      output_schema:
        type: object
        required: [category, confidence]
        properties:
          category: {enum: [billing, legal, other]}
          confidence: {type: number}
      tools: [tag, send_email, delete_data_without_audit]
      model: {max_turns: 4}
      escalation:
        confidence_below: 0.6
        fields: [{field: category, equals: [legal]}]
        proposed_action_classes: [C]
        max_validation_failures: 1
      """).definition().orElseThrow();
  private final TurnDecider decider = new TurnDecider(Policy.defaults());

  private static ChatResponse answer(String text) {
    return new ChatResponse("p", "m", text, List.of(), "stop", new ChatResponse.Usage(1, 1), Duration.ZERO);
  }

  private static ChatResponse calls(String... tools) throws Exception {
    List<ToolCall> calls = new java.util.ArrayList<>();
    for (String tool : tools) {
      calls.add(new ToolCall("id-" + tool, tool, JSON.readTree("{\"text\":\"x\"}")));
    }
    return new ChatResponse("p", "m", "", calls, "tool_calls", new ChatResponse.Usage(1, 1), Duration.ZERO);
  }

  @Test
  void aValidConfidentAnswerFinishesTheRun() {
    TurnDecision decision = decider.decide(TRIAGE, "acme", answer("Here you go:\n```json\n{\"category\":\"billing\",\"confidence\":0.9}\n```"), 2, 0);
    assertEquals("billing", assertInstanceOf(TurnDecision.Finish.class, decision).output().path("category").asText());
  }

  @Test
  void anInvalidAnswerIsSentBackWithTheErrorsThenEscalated() {
    TurnDecision first = decider.decide(TRIAGE, "acme", answer("{\"category\":\"weather\",\"confidence\":0.9}"), 1, 0);
    String feedback = assertInstanceOf(TurnDecision.AskAgain.class, first).feedback();
    assertTrue(feedback.contains("/category"), feedback);

    TurnDecision second = decider.decide(TRIAGE, "acme", answer("not json at all"), 2, 1);
    TurnDecision.Escalate escalate = assertInstanceOf(TurnDecision.Escalate.class, second);
    assertTrue(escalate.reason().startsWith("output failed its schema 2 time(s)"), escalate.reason());
    assertEquals("not json at all", escalate.draft(), "the reviewer sees what the model wrote");
  }

  @Test
  void lowConfidenceAndAWatchedFieldValueEscalateWithTheOutputAsDraft() {
    TurnDecision.Escalate unsure = assertInstanceOf(TurnDecision.Escalate.class,
        decider.decide(TRIAGE, "acme", answer("{\"category\":\"billing\",\"confidence\":0.3}"), 1, 0));
    assertEquals("confidence 0.3 below 0.6", unsure.reason());
    assertEquals("{\"category\":\"billing\",\"confidence\":0.3}", unsure.draft());
    TurnDecision.Escalate legal = assertInstanceOf(TurnDecision.Escalate.class,
        decider.decide(TRIAGE, "acme", answer("{\"category\":\"legal\",\"confidence\":0.95}"), 1, 0));
    assertEquals("output /category is \"legal\"", legal.reason());
  }

  @Test
  void permittedToolsGoToTheGateEvenClassB() throws Exception {
    TurnDecision decision = decider.decide(TRIAGE, "acme", calls("tag", "send_email"), 1, 0);
    assertEquals(2, assertInstanceOf(TurnDecision.CallTools.class, decision).calls().size(),
        "class B is not escalated here: the gate asks for its approval");
  }

  @Test
  void aProposedActionOfAnEscalatingClassGoesToAPerson() throws Exception {
    TurnDecision.Escalate escalate = assertInstanceOf(TurnDecision.Escalate.class,
        decider.decide(TRIAGE, "acme", calls("tag", "delete_data_without_audit"), 1, 0));
    assertEquals("proposed class-C action delete_data_without_audit", escalate.reason());
  }

  @Test
  void aToolTheAgentDoesNotListIsRefusedBackToTheModel() throws Exception {
    String feedback = assertInstanceOf(TurnDecision.AskAgain.class, decider.decide(TRIAGE, "acme", calls("create_charge"), 1, 0))
        .feedback();
    assertTrue(feedback.contains("[create_charge] are not available"), feedback);
  }

  @Test
  void runningOutOfTurnsEscalates() throws Exception {
    assertInstanceOf(TurnDecision.Escalate.class, decider.decide(TRIAGE, "acme", calls("tag"), 4, 0));
  }
}
