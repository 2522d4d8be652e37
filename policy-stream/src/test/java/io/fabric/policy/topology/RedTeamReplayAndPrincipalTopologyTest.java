package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (red4) of "a signed replay runs once" and "only the gateway names a gateway caller": copies
 * of a spent replay in one poll, with forged gate headers, after the spent store was purged; case
 * variants of the attribute; a replayer adding the attribute.
 */
class RedTeamReplayAndPrincipalTopologyTest {
  private static final Instant NOW = Instant.parse("2026-12-01T06:00:00Z");
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final KeyPair REPLAYER = ApproverKeys.newKeyPair();

  @TempDir
  Path stateDir;

  private GateDriver t;
  private final RequestSigner agent = new RequestSigner("support-agent", AGENT.getPrivate());
  private final RequestSigner replayer = new RequestSigner("dlq-replayer", REPLAYER.getPrivate());

  @BeforeEach
  void start() {
    t = new GateDriver(new PolicyGate(PolicyFile.builder().build(), new SignedTokenVerifier(ApproverRegistry.of()),
        ReplaySubmitters.agentAndReplayer(AGENT.getPublic(), REPLAYER.getPublic())), Duration.ofSeconds(1), stateDir, NOW);
  }

  @AfterEach
  void close() {
    t.close();
  }

  private TaskRequest agentsRequest(Map<String, String> attributes) {
    return t.submit(agent.sign(Submission.of("acme", "summarize").payload("{\"text\":\"hi\"}").attributes(attributes)
        .toRequest(t.now().toEpochMilli())));
  }

  private TaskRequest replayOf(TaskRequest original, Map<String, String> attributes) {
    ReplayLineage lineage = ReplayLineage.newBuilder().setDeadLetterId("dl-1").setGeneration(1).setReplayedAt(t.now().toEpochMilli())
        .setReplayedBy("ops@host").setOriginalSubmitter(original.getSubmitter()).build();
    return replayer.sign(TaskRequest.newBuilder(original).setAttributes(attributes).setReplay(lineage).build());
  }

  private List<String> outcomesOf(String requestId) {
    return t.status.readKeyValuesToList().stream().filter(kv -> kv.key.equals(requestId)).map(kv -> kv.value.getOutcome()).toList();
  }

  /** Held: two copies piped back to back (one poll, no punctuation between) still run once. */
  @Test
  void twoCopiesOfAReplayInOnePollRunOnce() {
    TaskRequest first = agentsRequest(Map.of());
    t.advance(Duration.ofHours(1));
    TaskRequest replay = replayOf(first, Map.of());

    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
    t.replays.pipeInput("another-key", TaskRequest.newBuilder(replay).build(), t.now());

    assertEquals(List.of(first.getRequestId(), first.getRequestId()), t.routedIds(), "the request, then its replay once");
    assertFalse(outcomesOf(first.getRequestId()).contains("BLOCKED"), "the copy writes no status");
  }

  /**
   * Held: a copy carrying the gate's own verdict headers (a DUPLICATE verdict skips spending, and a
   * DUPLICATE status would overwrite the request's) has them stripped where it enters.
   */
  @Test
  void aCopyWithForgedGateVerdictHeadersIsStillSpentAndWritesNoStatus() {
    TaskRequest first = agentsRequest(Map.of());
    t.advance(Duration.ofHours(1));
    TaskRequest replay = replayOf(first, Map.of());
    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
    t.advance(Duration.ofSeconds(10));

    RecordHeaders forged = new RecordHeaders();
    forged.add(ReservedNames.GATE_HEADER_PREFIX + "verdict", "DUPLICATE".getBytes(StandardCharsets.UTF_8));
    forged.add(ReservedNames.GATE_HEADER_PREFIX + "detail", "someone-else".getBytes(StandardCharsets.UTF_8));
    t.replays.pipeInput(new TestRecord<>(IngressKey.of(replay), TaskRequest.newBuilder(replay).build(), forged, t.now()));

    assertEquals(List.of(first.getRequestId(), first.getRequestId()), t.routedIds());
    List<String> outcomes = outcomesOf(first.getRequestId());
    assertEquals("ROUTED", outcomes.get(outcomes.size() - 1), "the request keeps the status of the replay that ran: " + outcomes);
    assertFalse(outcomes.contains("DUPLICATE"), outcomes.toString());
  }

  /** Held: once the spent replay is purged (past its signature's lifetime and the grace), a copy is refused as stale. */
  @Test
  void aCopyArrivingAfterTheSpentReplayWasPurgedIsRefusedAsStale() {
    TaskRequest first = agentsRequest(Map.of());
    t.advance(Duration.ofHours(1));
    TaskRequest replay = replayOf(first, Map.of());
    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
    t.advance(Duration.ofHours(2)); // the purge punctuations ran: the spent key is gone

    t.replays.pipeInput(IngressKey.of(replay), TaskRequest.newBuilder(replay).build(), t.now());

    assertEquals(List.of(first.getRequestId(), first.getRequestId()), t.routedIds(), "the late copy runs nothing");
    List<String> outcomes = outcomesOf(first.getRequestId());
    assertEquals("ROUTED", outcomes.get(outcomes.size() - 1), outcomes.toString());
  }

  /**
   * Held: the gate reserves exactly {@code gateway.principal}; a case variant set by another submitter
   * runs, but it is not the principal (no reader folds case: the trace reads the exact name).
   */
  @Test
  void aCaseVariantOfTheGatewayPrincipalIsNotThePrincipal() {
    TaskRequest request = agentsRequest(Map.of("Gateway.Principal", "acme-billing"));

    Map<String, String> routed = t.routed.readValuesToList().get(0).getRequest().getAttributes();
    assertEquals(Map.of("Gateway.Principal", "acme-billing"), routed, "it runs, under another attribute name");
    assertFalse(routed.containsKey(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE), "naming no gateway caller");
  }

  /**
   * The gateway check was skipped for a replay ("a replay keeps the attribute of the request it replays"),
   * but the replayer's signature covers whatever the replayed record says: a dead letter of an ingress
   * record (a processing error keeps its raw bytes) is re-signed by {@code fabric dlq replay} without the
   * original's signature being checked, so a record no gateway signed, naming an API-key holder, ran
   * under the replayer's signature. The gate now asks the same of the replay's original submitter.
   */
  @Test
  void aReplayCannotIntroduceAGatewayPrincipalItsOriginalSubmitterCouldNotSet() {
    TaskRequest first = agentsRequest(Map.of());
    t.advance(Duration.ofHours(1));
    Map<String, String> attributes = new HashMap<>(first.getAttributes());
    attributes.put(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE, "acme-billing");
    TaskRequest replay = replayOf(first, attributes);

    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());

    assertEquals(List.of(first.getRequestId()), t.routedIds(), "support-agent could never name a gateway caller; its replay may not either");
  }
}
