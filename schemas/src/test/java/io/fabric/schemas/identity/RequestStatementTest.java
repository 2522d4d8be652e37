package io.fabric.schemas.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestStatementTest {
  static {
    io.fabric.schemas.AvroSerde.of(TaskRequest.class); // trusts the contracts package, as every app does before copying records
  }

  private static TaskRequest request(String tenant, String flow) {
    return TaskRequest.newBuilder().setRequestId("r1").setTenantId(tenant).setFlowId(flow).setAction("summarize")
        .setPayload("{\"text\":\"hi\"}").setIdempotencyKey("k1").setSubmittedAt(42).setSource("test").build();
  }

  @Test
  void movingABoundaryBetweenFieldsChangesTheBytes() {
    assertFalse(Arrays.equals(RequestStatement.of(request("ab", "c"), "agent"), RequestStatement.of(request("a", "bc"), "agent")));
  }

  @Test
  void everyFieldAProducerSetsIsBound() {
    TaskRequest base = request("acme", "f1");
    byte[] signed = RequestStatement.of(base, "agent");
    for (TaskRequest changed : new TaskRequest[] {
        TaskRequest.newBuilder(base).setPayload("{\"text\":\"bye\"}").build(),
        TaskRequest.newBuilder(base).setAction("tag").build(),
        TaskRequest.newBuilder(base).setIdempotencyKey("k2").build(),
        TaskRequest.newBuilder(base).setSubmittedAt(43).build(),
        TaskRequest.newBuilder(base).setFinalStep(true).build(),
        TaskRequest.newBuilder(base).setSource("x").build(),
        TaskRequest.newBuilder(base).setAttributes(Map.of("callback", "https://attacker.example")).build(),
        TaskRequest.newBuilder(base).setTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01").build(),
        TaskRequest.newBuilder(base).setApprovalToken("token").build()}) {
      assertFalse(Arrays.equals(signed, RequestStatement.of(changed, "agent")), changed.toString());
    }
    assertFalse(Arrays.equals(signed, RequestStatement.of(base, "other-agent")));
    assertArrayEquals(RequestStatement.of(TaskRequest.newBuilder(base).setAttributes(Map.of("a", "1", "b", "2")).build(), "agent"),
        RequestStatement.of(TaskRequest.newBuilder(base).setAttributes(new java.util.LinkedHashMap<>(Map.of("b", "2", "a", "1"))).build(), "agent"),
        "attribute order does not matter");
  }

  @Test
  void aReplayIsSignedOverItsLineageUnderItsOwnLabel() {
    ReplayLineage lineage = ReplayLineage.newBuilder().setDeadLetterId("dl-1").setGeneration(1).setReplayedAt(100).setReplayedBy("ops@host")
        .setOriginalSubmitter("agent").build();
    TaskRequest replay = TaskRequest.newBuilder(request("acme", "f1")).setReplay(lineage).build();
    byte[] signed = RequestStatement.of(replay, "dlq-replayer");

    assertFalse(Arrays.equals(signed, RequestStatement.of(request("acme", "f1"), "dlq-replayer")), "a replay signature is not a submission's");
    for (ReplayLineage changed : new ReplayLineage[] {
        ReplayLineage.newBuilder(lineage).setDeadLetterId("dl-2").build(),
        ReplayLineage.newBuilder(lineage).setGeneration(2).build(),
        ReplayLineage.newBuilder(lineage).setReplayedAt(101).build(),
        ReplayLineage.newBuilder(lineage).setReplayedBy("eve").build(),
        ReplayLineage.newBuilder(lineage).setOriginalSubmitter("other-agent").build()}) {
      assertFalse(Arrays.equals(signed, RequestStatement.of(TaskRequest.newBuilder(replay).setReplay(changed).build(), "dlq-replayer")),
          changed.toString());
    }
  }
}
