package io.fabric.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.TokenVerifier;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BenchWorkloadTest {
  private final Workload workload = new Workload(RequestMix.parse(RequestMix.DEFAULT), 512, "brun1", true);

  @Test
  void payloadsAreJsonOfExactlyTheAskedSizeAndDifferPerRequest() {
    for (long seq = 0; seq < 50; seq++) {
      String payload = workload.payload(seq);
      assertEquals(512, payload.getBytes(StandardCharsets.UTF_8).length);
      assertTrue(payload.startsWith("{\"text\":\"") && payload.endsWith("\"}"), payload);
    }
    assertNotEquals(workload.payload(1), workload.payload(2));
    assertEquals(workload.payload(7), workload.payload(7));
    assertEquals(Workload.minimumPayloadBytes(), new Workload(RequestMix.parse("A=1"), Workload.minimumPayloadBytes(), "r", true).payload(3).length());
  }

  @Test
  void everyRequestIsSignedByTheRunsSubmitterAsTheGateVerifiesIt() {
    long now = System.currentTimeMillis();
    for (TaskRequest request : workload.build(0, 20)) {
      assertEquals(Workload.SUBMITTER, request.getSubmitter());
      assertEquals(Optional.empty(), workload.submitters().check(request, now), request.getRequestId());
    }
    Workload open = new Workload(RequestMix.parse(RequestMix.DEFAULT), 512, "brun2", false);
    assertNull(open.submitters(), "--unsigned runs the gate open");
    assertNull(open.request(1).getSubmitterSignature());
  }

  @Test
  void requestsThatNeedApprovalCarryATokenTheRunsVerifierAccepts() throws Exception {
    TaskRequest[] requests = workload.build(0, 100);

    int tokens = 0;
    for (TaskRequest request : requests) {
      long seq = Workload.seqOf(request.getRequestId());
      assertEquals(request.getRequestId(), request.getFlowId());
      if (workload.mix().kindOf(seq).needsApproval()) {
        TokenVerifier verifier = workload.verifier();
        TokenVerifier.TokenVerdict verdict = verifier.verify(verifier.decode(request.getApprovalToken()), request, System.currentTimeMillis());
        assertTrue(verdict.valid(), verdict.toString());
        tokens++;
      } else {
        assertNull(request.getApprovalToken());
      }
    }
    assertEquals(25, tokens);
  }

  @Test
  void theSequenceNumberComesBackFromTheRequestId() {
    assertEquals(12345, Workload.seqOf(workload.requestId(12345)));
    assertEquals(-1, Workload.seqOf("not-a-bench-id"));
    assertEquals(-1, Workload.seqOf(null));
    assertEquals(-1, Workload.seqOf("trailing-"));
  }
}
