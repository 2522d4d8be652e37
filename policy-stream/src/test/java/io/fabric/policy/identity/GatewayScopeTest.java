package io.fabric.policy.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.topics.ReservedNames;
import java.security.KeyPair;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Only a gateway ({@link ReservedNames#GATEWAY_SCOPE} by name) may sign a request that names a gateway caller. */
class GatewayScopeTest {
  static {
    AvroSerde.of(TaskRequest.class); // trusts the contracts package, as every process that reads records does, for the lineage's copy
  }

  private static final long NOW = 1_000_000L;
  private static final KeyPair GATEWAY = ApproverKeys.newKeyPair();
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final KeyPair REPLAYER = ApproverKeys.newKeyPair();
  private final SubmitterVerifier verifier = new SubmitterVerifier(ApproverRegistry.of(
      new Approver("gateway", GATEWAY.getPublic(), Set.of(ReservedNames.GATEWAY_SCOPE, "*"), Set.of("*")),
      new Approver("agent", AGENT.getPublic(), Set.of("*"), Set.of("*")),
      new Approver("dlq-replayer", REPLAYER.getPublic(), Set.of(ReservedNames.REPLAY_SCOPE, "*"), Set.of("*"))));

  private static TaskRequest naming(String principal) {
    return Submission.of("acme", "summarize").attributes(Map.of(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE, principal)).toRequest(NOW);
  }

  @Test
  void theGatewayMayNameItsCaller() {
    assertEquals(Optional.empty(), verifier.check(new RequestSigner("gateway", GATEWAY.getPrivate()).sign(naming("acme-billing")), NOW));
  }

  @Test
  void anyOtherSubmitterIsRefusedEvenWithAStar() {
    Optional<SubmitterVerifier.Refusal> refusal = verifier.check(new RequestSigner("agent", AGENT.getPrivate()).sign(naming("acme-billing")), NOW);

    assertEquals(Reason.UNAUTHORIZED, refusal.orElseThrow().reason());
    assertTrue(refusal.get().authentic(), "its own signed request: it takes its id, so the bytes never run later");
    assertTrue(refusal.get().detail().contains(ReservedNames.GATEWAY_SCOPE), refusal.get().detail());
    assertEquals(Optional.empty(), verifier.check(new RequestSigner("agent", AGENT.getPrivate())
        .sign(Submission.of("acme", "summarize").toRequest(NOW)), NOW), "without the attribute it submits as before");
  }

  @Test
  void aReplayCarriesTheOriginalsCallerUnderTheReplayersSignature() {
    TaskRequest original = new RequestSigner("gateway", GATEWAY.getPrivate()).sign(naming("acme-billing"));
    TaskRequest replay = new RequestSigner("dlq-replayer", REPLAYER.getPrivate()).sign(TaskRequest.newBuilder(original)
        .setReplay(ReplayLineage.newBuilder().setDeadLetterId("dl-1").setGeneration(1).setReplayedAt(NOW).setReplayedBy("ops")
            .setOriginalSubmitter("gateway").build()).build());

    assertEquals(Optional.empty(), verifier.check(replay, NOW));
  }

  @Test
  void aReplayMayNotNameACallerItsOriginalSubmitterCouldNotName() {
    TaskRequest original = new RequestSigner("agent", AGENT.getPrivate()).sign(naming("acme-billing"));
    TaskRequest replay = new RequestSigner("dlq-replayer", REPLAYER.getPrivate()).sign(TaskRequest.newBuilder(original)
        .setReplay(ReplayLineage.newBuilder().setDeadLetterId("dl-1").setGeneration(1).setReplayedAt(NOW).setReplayedBy("ops")
            .setOriginalSubmitter("agent").build()).build());

    Optional<SubmitterVerifier.Refusal> refusal = verifier.check(replay, NOW);
    assertEquals(Reason.UNAUTHORIZED, refusal.orElseThrow().reason());
    assertTrue(refusal.get().detail().contains("submitter agent may not name a gateway caller"), refusal.get().detail());
  }

  @Test
  void aGatewayThatLostTheScopeNoLongerStandsBehindAHeldRequest() {
    TaskRequest request = new RequestSigner("gateway", GATEWAY.getPrivate()).sign(naming("acme-billing"));
    SubmitterVerifier narrowed = new SubmitterVerifier(ApproverRegistry.of(new Approver("gateway", GATEWAY.getPublic(), Set.of("*"), Set.of("*"))));

    assertEquals(Reason.UNAUTHORIZED, narrowed.checkStanding(request).orElseThrow().reason());
  }
}
