package io.fabric.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.records.Identifiers;
import io.fabric.schemas.topics.ReservedNames;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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

  static Stream<Arguments> idsTheGateWouldBlock() {
    return Stream.of(
        Arguments.of(submission(s -> Submission.of("acme|evil", "tag")), "tenant_id"),
        Arguments.of(submission(s -> Submission.of("acme corp", "tag")), "tenant_id"),
        Arguments.of(submission(s -> Submission.of("", "tag")), "tenant_id is missing"),
        Arguments.of(submission(s -> Submission.of("t".repeat(Identifiers.MAX_TENANT + 1), "tag")), "tenant_id"),
        Arguments.of(submission(s -> s.requestId("r|1")), "request_id"),
        Arguments.of(submission(s -> s.requestId("-starts-with-dash")), "request_id"),
        Arguments.of(submission(s -> s.flowId("flow\n2")), "flow_id"),
        Arguments.of(submission(s -> s.flowId("f".repeat(Identifiers.MAX_ID + 1))), "flow_id"),
        Arguments.of(submission(s -> s.idempotencyKey("order 42")), "idempotency_key"),
        Arguments.of(submission(s -> s.idempotencyKey("tenant|key")), "idempotency_key"));
  }

  private static UnaryOperator<Submission> submission(UnaryOperator<Submission> change) {
    return change;
  }

  @ParameterizedTest
  @MethodSource("idsTheGateWouldBlock")
  void idsTheGateWouldBlockAreRefusedBeforeSendingNamingTheField(UnaryOperator<Submission> change, String field) {
    Submission submission = change.apply(Submission.of("acme", "tag"));

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> submission.toRequest(1));

    assertTrue(e.getMessage().contains(field), e.getMessage());
  }

  @Test
  void idsWithinTheCharsetAreAccepted() {
    TaskRequest request = Submission.of("acme-eu.1", "tag").requestId("req:42@crm").flowId("order_42.v2")
        .idempotencyKey("crm/order#42?v=2").toRequest(1);

    assertEquals("req:42@crm", request.getRequestId());
    assertEquals("crm/order#42?v=2", request.getIdempotencyKey());
  }

  @Test
  void anAlreadyBuiltRequestWithReplayLineageOrAReservedAttributeIsNotSendable() {
    TaskRequest fine = Submission.of("acme", "tag").toRequest(1);
    TaskRequest replay = TaskRequest.newBuilder(fine).setReplay(ReplayLineage.newBuilder().setDeadLetterId("dl-1")
        .setGeneration(1).setReplayedAt(1).setReplayedBy("mallory").build()).build();
    TaskRequest rollback = TaskRequest.newBuilder(fine).setAttributes(Map.of(ReservedNames.ROLLBACK_ACTION, "true")).build();
    TaskRequest badTenant = TaskRequest.newBuilder(fine).setTenantId("acme|globex").build();

    assertEquals(fine, Submission.requireSendable(fine));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Submission.requireSendable(replay)).getMessage()
        .contains("replay"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Submission.requireSendable(rollback)).getMessage()
        .contains("'fabric.rollback' is reserved"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Submission.requireSendable(badTenant)).getMessage()
        .contains("tenant_id"));
  }
}
