package io.fabric.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ShadowComparisonTest {
  private static final long NOW = 1_000_000L;
  private final Policy active = Policy.defaults();
  private final Policy shadow = PolicyFile.parse("classes:\n  B: [summarize]\n  C: [send_email]\napprovals:\n  actions: { create_charge: { quorum: 2 } }\n");

  private Verdict decide(Policy policy, String action) {
    TaskRequest request = Submission.of("acme", action).payload("{}").toRequest(NOW);
    return new PolicyGate(policy, new NoApproverRegistry()).decide(request, null, nonce -> false, NOW);
  }

  private Optional<String> difference(String action) {
    return ShadowComparison.difference(decide(active, action), active.version(), decide(shadow, action), shadow.version());
  }

  @Test
  void theSameOutcomeIsNoDifference() {
    assertEquals(Optional.empty(), difference("classify"));
    assertEquals(Optional.empty(), difference("exfiltrate_secrets"));
  }

  @Test
  void anotherClassQuorumOrBlockIsADifferenceNamingBothOutcomesAndVersions() {
    assertEquals(Optional.of("shadow policy " + shadow.version() + " would give PENDING_APPROVAL quorum 1 deadline PT24H; active policy "
        + active.version() + " gave ROUTED"), difference("summarize"));
    assertTrue(difference("send_email").orElseThrow().contains("would give BLOCKED FORBIDDEN"));
    assertTrue(difference("create_charge").orElseThrow().contains("would give PENDING_APPROVAL quorum 2"));
  }
}
