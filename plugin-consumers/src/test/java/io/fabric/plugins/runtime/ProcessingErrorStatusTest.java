package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.ReservedNames;
import org.junit.jupiter.api.Test;

/** A task whose dead letter falls back to the bare record still gets its final status when it decoded. */
class ProcessingErrorStatusTest {
  private static RoutedTask task(String action) {
    TaskRequest request = TaskRequest.newBuilder().setRequestId("r1").setTenantId("acme").setFlowId("f1").setAction(action)
        .setPayload("{}").setIdempotencyKey("k1").setSubmittedAt(0).setSource("test").setFinalStep(false).build();
    return RoutedTask.newBuilder().setRequest(request).setApprovals(java.util.List.of()).setDecision(PolicyDecision.newBuilder().setActionClass("A")
        .setRule("default:class-a").setPolicyVersion("v1").setDecidedAt(0).build()).build();
  }

  @Test
  void aDecodedTaskEndsDeadLetteredProcessingErrorWithTheError() {
    RequestStatus status = TaskProcessor.processingErrorStatus(task("summarize"), new IllegalStateException("bad enum value X"), 5)
        .orElseThrow();

    assertEquals("r1", status.getRequestId());
    assertEquals(Outcome.DEAD_LETTER.name(), status.getOutcome());
    assertEquals("PROCESSING_ERROR", status.getReason());
    assertEquals("IllegalStateException: bad enum value X", status.getDetail());
  }

  @Test
  void aRollbackRequestGetsNoStatusItIsNoCallersRequest() {
    assertTrue(TaskProcessor.processingErrorStatus(task(ReservedNames.ROLLBACK_ACTION), new IllegalStateException("x"), 5).isEmpty());
  }
}
