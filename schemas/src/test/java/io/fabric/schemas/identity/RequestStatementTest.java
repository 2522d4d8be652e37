package io.fabric.schemas.identity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric.contracts.TaskRequest;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestStatementTest {
  private static TaskRequest request(String tenant, String flow) {
    return TaskRequest.newBuilder().setRequestId("r1").setTenantId(tenant).setFlowId(flow).setAction("summarize")
        .setPayload("{\"text\":\"hi\"}").setIdempotencyKey("k1").setSubmittedAt(42).setSource("test").build();
  }

  @Test
  void movingABoundaryBetweenFieldsChangesTheBytes() {
    assertFalse(Arrays.equals(RequestStatement.of(request("ab", "c"), "agent"), RequestStatement.of(request("a", "bc"), "agent")));
  }

  @Test
  void everyFieldThatSaysWhatIsAskedIsBoundButLabelsAndSourceAreNot() {
    TaskRequest base = request("acme", "f1");
    byte[] signed = RequestStatement.of(base, "agent");
    for (TaskRequest changed : new TaskRequest[] {
        TaskRequest.newBuilder(base).setPayload("{\"text\":\"bye\"}").build(),
        TaskRequest.newBuilder(base).setAction("tag").build(),
        TaskRequest.newBuilder(base).setIdempotencyKey("k2").build(),
        TaskRequest.newBuilder(base).setSubmittedAt(43).build(),
        TaskRequest.newBuilder(base).setFinalStep(true).build()}) {
      assertFalse(Arrays.equals(signed, RequestStatement.of(changed, "agent")), changed.toString());
    }
    assertFalse(Arrays.equals(signed, RequestStatement.of(base, "other-agent")));
    assertArrayEquals(signed, RequestStatement.of(TaskRequest.newBuilder(base).setSource("x").setAttributes(Map.of("a", "b")).build(), "agent"));
  }
}
