package io.fabric.agents.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric.agents.run.AgentRun;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A tool call's outcome is believed only when it is about that very call and, for an execution, the runtime checkpointed it. */
class ToolOutcomeCheckTest {
  private static final AgentRun.PendingTool CALL = new AgentRun.PendingTool("c1", "run-turn-2-call-1", "agent-run:run-turn-2-call-1",
      "send_email", JsonNodeFactory.instance.objectNode(), "agent-it");

  @Test
  void anExecutedStatusWithoutTheRuntimesCheckpointIsNotBelieved() {
    assertInstanceOf(ToolOutcomeCheck.Verdict.Untrusted.class, ToolOutcomeCheck.judge("acme", CALL, status("EXECUTED"), Optional.empty()));
    assertInstanceOf(ToolOutcomeCheck.Verdict.Untrusted.class,
        ToolOutcomeCheck.judge("acme", CALL, status("EXECUTED"), Optional.of(checkpoint("STARTED"))), "a step not executed");
  }

  @Test
  void anExecutedStatusWithItsCheckpointGivesTheModelTheCheckpointedState() {
    var verdict = assertInstanceOf(ToolOutcomeCheck.Verdict.Final.class,
        ToolOutcomeCheck.judge("acme", CALL, status("EXECUTED"), Optional.of(checkpoint("EXECUTED"))));
    assertEquals("COMPLETED", verdict.outcome().status());
    assertEquals("{\"message_id\":\"m1\"}", verdict.outcome().result().toString());
  }

  @Test
  void aStatusOfAnotherTenantActionFlowOrSubmitterIsNotAboutThisCall() {
    for (RequestStatus other : List.of(with(status("BLOCKED"), s -> s.setTenantId("evil")), with(status("BLOCKED"), s -> s.setAction("tag")),
        with(status("BLOCKED"), s -> s.setFlowId("f2")), with(status("BLOCKED"), s -> s.setSubmitter("mallory")))) {
      assertInstanceOf(ToolOutcomeCheck.Verdict.Untrusted.class, ToolOutcomeCheck.judge("acme", CALL, other, Optional.empty()), other.toString());
    }
  }

  @Test
  void pendingIsNotFinalAndABlockIsWhatTheModelSees() {
    assertEquals(new ToolOutcomeCheck.Verdict.NotYet("PENDING_APPROVAL"),
        ToolOutcomeCheck.judge("acme", CALL, status("PENDING_APPROVAL"), Optional.empty()));
    var blocked = assertInstanceOf(ToolOutcomeCheck.Verdict.Final.class,
        ToolOutcomeCheck.judge("acme", CALL, with(status("BLOCKED"), s -> s.setReason("APPROVAL_REJECTED")), Optional.empty()));
    assertEquals("BLOCKED", blocked.outcome().status());
    assertEquals("APPROVAL_REJECTED", blocked.outcome().reason());
  }

  @Test
  void onlyAStatusUnderTheCallsOwnIdCountsAndADuplicateIsTheCallsOwnOutcomeNeverTheOtherRequests() {
    assertInstanceOf(ToolOutcomeCheck.Verdict.Untrusted.class,
        ToolOutcomeCheck.judge("acme", CALL, with(status("BLOCKED"), s -> s.setRequestId("run-turn-2-call-1-0")), Optional.empty()));
    var duplicate = assertInstanceOf(ToolOutcomeCheck.Verdict.Final.class, ToolOutcomeCheck.judge("acme", CALL,
        with(status("DUPLICATE"), s -> s.setDuplicateOf("mallory-1")), Optional.of(checkpoint("EXECUTED"))));
    assertEquals("DUPLICATE", duplicate.outcome().status(), "the call did not run; mallory's request's outcome is not the call's");
    assertEquals(null, duplicate.outcome().result());
  }

  private static RequestStatus status(String outcome) {
    return RequestStatus.newBuilder().setRequestId(CALL.requestId()).setTenantId("acme").setFlowId(CALL.requestId()).setAction("send_email")
        .setOutcome(outcome).setSubmitter("agent-it").setUpdatedAt(1).build();
  }

  private static RequestStatus with(RequestStatus status, java.util.function.Consumer<RequestStatus> change) {
    change.accept(status);
    return status;
  }

  private static FlowCheckpoint checkpoint(String stepStatus) {
    FlowStep step = FlowStep.newBuilder().setRequestId(CALL.requestId()).setAction("send_email").setPlugin("email").setStatus(stepStatus)
        .setRevisionId("r").setAt("now").setResult("{}").setCompensable(false).setAttempts(List.of()).setSubmitter(null).build();
    return FlowCheckpoint.newBuilder().setFlowId(CALL.requestId()).setTenantId("acme").setRevisionId("r").setAt("now").setNote("")
        .setStatus("RUNNING").setState("{\"message_id\":\"m1\"}").setSteps(List.of(step)).setRevision(1).setSubmitter(null).build();
  }
}
