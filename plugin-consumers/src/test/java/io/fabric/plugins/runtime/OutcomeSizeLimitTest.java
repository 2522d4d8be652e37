package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.schemas.records.Reason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutcomeSizeLimitTest {
  private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
  private final OutcomeSizeLimit limit = new OutcomeSizeLimit(4096);

  private static FlowCheckpoint after(FlowCheckpoint previous, String requestId, String blob) {
    TaskRequest request = TaskRequest.newBuilder().setRequestId(requestId).setTenantId("acme").setFlowId("f1").setAction("make")
        .setPayload("{}").setIdempotencyKey("k-" + requestId).setSubmittedAt(0).setSource("test").build();
    return FlowCheckpoints.executed(previous, request, "blob", Map.of("blob", blob), false,
        List.of(ExecutionAttempt.newBuilder().setAttempt(1).setAt(T0.toString()).build()), new Revision("rev-" + requestId, T0));
  }

  @Test
  void anOutcomeUnderTheLimitPasses() {
    assertTrue(limit.check(after(null, "r1", "x".repeat(1000)), "r1", false).isEmpty());
  }

  @Test
  void anOutcomeOverTheLimitIsRefusedNamingItsSizeAndTheLimit() {
    FlowCheckpoint big = after(null, "r1", "x".repeat(5000));

    OutcomeSizeLimit.TooLarge tooLarge = limit.check(big, "r1", false).orElseThrow();

    assertEquals(Reason.EXECUTION_FAILED, tooLarge.reason());
    String message = tooLarge.error().getMessage();
    assertTrue(message.startsWith("OUTCOME_TOO_LARGE"), message);
    assertTrue(message.contains(OutcomeSizeLimit.serializedSize(big) + " bytes") && message.contains("limit of 4096 bytes"), message);
  }

  @Test
  void smallStepsThatTogetherOutgrowTheLimitRefuseTheStepThatCrossesIt() {
    FlowCheckpoint one = after(null, "r1", "a".repeat(1200));
    FlowCheckpoint two = after(one, "r2", "b".repeat(1200));
    FlowCheckpoint three = after(two, "r3", "c".repeat(1200));

    assertTrue(limit.check(two, "r2", false).isEmpty());
    assertTrue(limit.check(three, "r3", false).isPresent(), "state and results are both carried, so the checkpoint grows");
  }

  @Test
  void aCompensableStepOverTheLimitIsLeftForAPersonInsteadOfRollingBackAroundIt() {
    FlowCheckpoint big = after(null, "r1", "é".repeat(3000));

    assertEquals(Reason.PROCESSING_ERROR, limit.check(big, "r1", true).orElseThrow().reason());
  }
}
