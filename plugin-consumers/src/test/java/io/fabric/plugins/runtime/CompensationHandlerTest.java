package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.runtime.ExecutionIntent.Kind;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.TaskContext;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A compensation is attempted with its own in-doubt support, not the execute side's. */
class CompensationHandlerTest {
  /** Like voice: a call nobody can check, a cancel by the vendor's id that is safe to repeat. */
  private static final FabricPlugin CALLS = new FabricPlugin() {
    @Override
    public String name() {
      return "calls";
    }

    @Override
    public Set<String> taskTypes() {
      return Set.of("place_call");
    }

    @Override
    public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
      return Map.of();
    }

    @Override
    public InDoubtSupport compensationInDoubtSupport(String taskType) {
      return InDoubtSupport.LOOKUP;
    }

    @Override
    public boolean compensable(String taskType) {
      return true;
    }
  };

  @Test
  void aCompensationIsAttemptedWithTheCompensationsInDoubtSupport() {
    TaskRequest request = TaskRequest.newBuilder().setRequestId("r1").setTenantId("acme").setFlowId("f1").setAction("place_call")
        .setPayload("{}").setIdempotencyKey("k1").setSubmittedAt(0).setSource("test").setFinalStep(false).build();
    FlowCheckpoint checkpoint = FlowCheckpoints.executed(null, request, "calls", Map.of("call_sid", "CA1"), true,
        List.of(ExecutionAttempt.newBuilder().setAttempt(1).setAt("t").build()), Revision.now(Instant.EPOCH));

    AttemptRunner.Attempt attempt = CompensationHandler.attempt(CALLS, "f1", checkpoint, checkpoint.getSteps().get(0), null);

    assertEquals(Kind.COMPENSATE, attempt.kind());
    assertEquals("compensate-r1", attempt.intentId());
    assertEquals(InDoubtSupport.NONE, CALLS.inDoubtSupport());
    assertEquals(InDoubtSupport.LOOKUP, attempt.inDoubtSupport());
  }
}
