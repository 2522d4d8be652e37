package io.fabric.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.TaskRequest;
import org.junit.jupiter.api.Test;

class SubmissionTest {
  @Test
  void aNewRequestStartsItsOwnFlowAndIsItsOwnIdempotencyKey() {
    TaskRequest request = Submission.of("acme", "summarize").toRequest(42L);

    assertEquals(request.getRequestId(), request.getFlowId());
    assertEquals(request.getRequestId(), request.getIdempotencyKey());
    assertEquals("{}", request.getPayload());
    assertEquals(42L, request.getSubmittedAt());
    assertNull(request.getApprovalToken());
    assertTrue(request.getTraceparent().matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01"), request.getTraceparent());
  }

  @Test
  void explicitIdsAreKept() {
    TaskRequest request = Submission.of("acme", "tag").flowId("f-1").idempotencyKey("k").requestId("r").approvalToken(" ").toRequest(1);

    assertEquals("f-1", request.getFlowId());
    assertEquals("k", request.getIdempotencyKey());
    assertEquals("r", request.getRequestId());
    assertNull(request.getApprovalToken(), "a blank token is no token");
  }

  @Test
  void everyRequestGetsItsOwnId() {
    assertNotEquals(Submission.of("a", "b").toRequest(1).getRequestId(), Submission.of("a", "b").toRequest(1).getRequestId());
  }

  @Test
  void fabricAttributesAreReservedForTheFabric() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> Submission.of("a", "b").attributes(java.util.Map.of("fabric.replay.of", "x")));
    assertTrue(e.getMessage().contains("reserved"));
  }
}
