package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.StateRetention;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team: an attacker who writes any record to fabric.tasks.ingress and fabric.approvals. Tests
 * named {@code finding*} demonstrate a broken promise and FAIL on the current code; tests named
 * {@code held*} document attacks that the gate resisted and pass.
 */
class RedTeamTopologyTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final KeyPair ALICE = ApproverKeys.newKeyPair();
  private static final KeyPair BOB = ApproverKeys.newKeyPair();
  private static final Approver ALICE_APPROVER = new Approver("alice", ALICE.getPublic(), Set.of("*"), Set.of("*"));
  private static final Approver BOB_APPROVER = new Approver("bob", BOB.getPublic(), Set.of("*"), Set.of("*"));

  private final AtomicReference<ApproverRegistry> registry = new AtomicReference<>(ApproverRegistry.of(ALICE_APPROVER, BOB_APPROVER));

  @TempDir
  Path stateDir;

  private GateDriver t;

  private void open(Policy policy, Duration slaCheckInterval) {
    t = new GateDriver(new PolicyGate(policy, new SignedTokenVerifier(registry::get, SignedTokenVerifier.DEFAULT_CLOCK_SKEW)),
        slaCheckInterval, stateDir, NOW);
  }

  private void openDefault() {
    open(PolicyFile.builder().defaultApprovalDeadline(Duration.ofMinutes(10)).build(), Duration.ofSeconds(1));
  }

  @AfterEach
  void close() {
    if (t != null) {
      t.close();
    }
  }

  private TokenSigner signer(String name, KeyPair keys, Instant at) {
    return new TokenSigner(name, keys.getPrivate(), Clock.fixed(at, ZoneOffset.UTC), Duration.ofHours(1));
  }

  private static TaskRequest charge(String tenant) {
    return Submission.of(tenant, "create_charge").payload("{\"amount\":1200,\"currency\":\"eur\"}").toRequest(NOW.toEpochMilli());
  }

  private static TaskRequest whatsapp(String tenant) {
    return Submission.of(tenant, "send_whatsapp").payload("{\"to\":\"+15550100\",\"text\":\"hi\"}").toRequest(NOW.toEpochMilli());
  }

  // ---------------------------------------------------------------- findings, fixed

  /**
   * Red-team finding (High, availability), fixed: only the payload is bounded (limits.max_payload_bytes). Attributes
   * (and source, traceparent) are unbounded, so a record that the broker accepts compressed (lz4 of
   * a repetitive 2 MB attribute) is admitted, copied into the repartition topics, the pending store
   * and every outcome record; the gate's producer then fails with RecordTooLargeException
   * (max.request.size is checked on the uncompressed size) and, with the FAIL production handler
   * under exactly_once_v2, the task aborts and re-reads the same record forever: one poison pill
   * halts the gate. The validator should refuse it as INVALID_REQUEST.
   */
  @Test
  void hugeAttributeMapsOrSourcesAreInvalidLikeAnOversizedPayload() {
    openDefault();
    Map<String, String> huge = new HashMap<>();
    String kb = "a".repeat(1024);
    for (int i = 0; i < 2048; i++) {
      huge.put("label" + i, kb);
    }
    TaskRequest bloated = t.submit(Submission.of("acme", "summarize").attributes(huge).toRequest(NOW.toEpochMilli()));
    TaskRequest bloatedSource = t.submit(TaskRequest.newBuilder(Submission.of("acme", "summarize").toRequest(NOW.toEpochMilli()))
        .setSource("s".repeat(2 * 1024 * 1024)).build());

    Map<String, RequestStatus> statuses = t.status.readKeyValuesToMap();
    assertEquals("INVALID_REQUEST", statuses.get(bloated.getRequestId()).getReason(),
        "2 MB of attributes is admitted: " + statuses.get(bloated.getRequestId()).getOutcome());
    assertEquals("INVALID_REQUEST", statuses.get(bloatedSource.getRequestId()).getReason(),
        "a 2 MB source is admitted: " + statuses.get(bloatedSource.getRequestId()).getOutcome());
  }

  /**
   * Red-team finding (Medium), fixed: approvals already counted toward a quorum are never verified again. An approver
   * removed from the registry (key compromised, left the company; the verifier reads a reloadable
   * registry on every check) still counts: the next approver releases the request with a signature
   * the gate no longer trusts. PolicyGate.count / rejudge use QuorumTracker.fromTokens(t.pending.getApprovals())
   * without re-verifying them.
   */
  @Test
  void anApprovalFromARevokedApproverNoLongerCountsTowardTheQuorum() {
    open(PolicyFile.builder().defaultApprovalDeadline(Duration.ofHours(24)).quorum("create_charge", 2).build(), Duration.ofSeconds(1));
    TaskRequest request = t.submit(charge("acme"));
    t.approvals.pipeInput(request.getFlowId(), signer("alice", ALICE, NOW).approve(request, "ok"), NOW);
    assertTrue(t.routed.isEmpty());

    registry.set(ApproverRegistry.of(BOB_APPROVER)); // alice is revoked
    t.approvals.pipeInput(request.getFlowId(), signer("bob", BOB, NOW).approve(request, "ok"), NOW);

    assertTrue(t.routed.isEmpty(), "released with the approval of a revoked approver: " + t.routedIds());
  }

  /**
   * By design (found by the red team, kept and documented): an approval counts from when it arrived
   * valid, so a quorum may take longer than a token lives; the request's deadline bounds it, and a
   * revoked approver's approval stops counting (test above).
   */
  @Test
  void anApprovalValidOnArrivalKeepsCountingAfterItsTokenExpires() {
    open(PolicyFile.builder().defaultApprovalDeadline(Duration.ofHours(24)).quorum("create_charge", 2).build(), Duration.ofSeconds(1));
    TaskRequest request = t.submit(charge("acme"));
    t.approvals.pipeInput(request.getFlowId(), signer("alice", ALICE, NOW).approve(request, "ok"), NOW);
    t.advance(Duration.ofHours(2));
    t.approvals.pipeInput(request.getFlowId(), signer("bob", BOB, t.now()).approve(request, "ok"), t.now());

    assertEquals(List.of(request.getRequestId()), t.routedIds());
  }

  /**
   * Red-team finding (Medium, integrity of statuses), fixed: a resend of an executed request, after its idempotency
   * key was legitimately reused outside the window, is marked a duplicate by DeduplicateProcessor
   * (first != this id), and ClaimRequestIdProcessor writes DUPLICATE for it without looking at the
   * judgement (RESEND): the ROUTED/EXECUTED request is re-statused DUPLICATE of a later request.
   * fabric reconcile then sees a request that ran reported as never run.
   */
  @Test
  void aResendAfterTheKeyWasReusedDoesNotRestatusTheRequestThatRan() {
    open(PolicyFile.builder().duplicateWindow(Duration.ofHours(1)).build(), Duration.ofSeconds(1));
    TaskRequest first = t.submit(Submission.of("acme", "summarize").idempotencyKey("order-42").toRequest(NOW.toEpochMilli()));
    t.advance(Duration.ofHours(2));
    TaskRequest later = t.submit(Submission.of("acme", "summarize").idempotencyKey("order-42").toRequest(t.now().toEpochMilli()));
    assertEquals(List.of(first.getRequestId(), later.getRequestId()), t.routedIds());
    t.status.readKeyValuesToMap();

    t.submit(first); // the same bytes again (client retry, or anyone holding a copy)

    Map<String, RequestStatus> after = t.status.readKeyValuesToMap();
    assertNull(after.get(first.getRequestId()), "a resend must not re-status the request that ran; got "
        + (after.get(first.getRequestId()) == null ? "" : after.get(first.getRequestId()).getOutcome() + " duplicate_of "
        + after.get(first.getRequestId()).getDuplicateOf()));
  }

  // ---------------------------------------------------------------- attacks that held

  @Test
  void heldForgedGateHeadersFromTheProducerAreStripped() {
    openDefault();
    TaskRequest a = Submission.of("acme", "summarize").toRequest(NOW.toEpochMilli());
    RecordHeaders dup = new RecordHeaders();
    dup.add("fabric.gate.verdict", "DUPLICATE".getBytes(StandardCharsets.UTF_8));
    dup.add("fabric.gate.detail", "someone-else".getBytes(StandardCharsets.UTF_8));
    t.ingress.pipeInput(new TestRecord<>(IngressKey.of(a), a, dup, NOW));
    TaskRequest b = whatsapp("acme");
    RecordHeaders inv = new RecordHeaders();
    inv.add("fabric.gate.verdict", "INVALID_REQUEST".getBytes(StandardCharsets.UTF_8));
    inv.add("fabric.gate.audit", "SECURITY_EVENT".getBytes(StandardCharsets.UTF_8));
    t.ingress.pipeInput(new TestRecord<>("x", b, inv, NOW));
    // a valid request whose header claims a verdict on an invalid one: the real verdict wins
    TaskRequest c = Submission.of("acme", "exfiltrate_secrets").toRequest(NOW.toEpochMilli());
    t.ingress.pipeInput(new TestRecord<>(null, c, dup, NOW));

    Map<String, RequestStatus> s = t.status.readKeyValuesToMap();
    assertEquals("ROUTED", s.get(a.getRequestId()).getOutcome());
    assertEquals("PENDING_APPROVAL", s.get(b.getRequestId()).getOutcome());
    assertEquals("FORBIDDEN", s.get(c.getRequestId()).getReason());
  }

  @Test
  void heldTombstonesAndNullKeysDoNotStopTheGate() {
    openDefault();
    t.ingress.pipeInput("acme|k", (TaskRequest) null, NOW);
    t.ingress.pipeInput((String) null, (TaskRequest) null, NOW);
    t.approvals.pipeInput("flow", (ApprovalToken) null, NOW);
    t.approvals.pipeInput((String) null, (ApprovalToken) null, NOW);
    TaskRequest after = t.submit(Submission.of("acme", "summarize").toRequest(NOW.toEpochMilli()));
    assertEquals(List.of(after.getRequestId()), t.routedIds());
  }

  @Test
  void heldAnApprovalExactlyAtTheDeadlineIsExpired() {
    open(PolicyFile.builder().defaultApprovalDeadline(Duration.ofMinutes(10)).build(), Duration.ofDays(1));
    TaskRequest request = t.submit(whatsapp("acme"));
    t.advance(Duration.ofMinutes(10));
    t.approvals.pipeInput(request.getFlowId(), signer("alice", ALICE, t.now()).approve(request, "just in time?"), t.now());
    assertTrue(t.routed.isEmpty());
    assertEquals("APPROVAL_EXPIRED", t.blocked.readValue().getReason());
  }

  @Test
  void heldAReplayedApprovalTokenDoesNotReleaseTheDlqReplayOfTheSameRequest() {
    openDefault();
    TaskRequest request = t.submit(whatsapp("acme"));
    ApprovalToken token = signer("alice", ALICE, NOW).approve(request, "ok");
    t.approvals.pipeInput(request.getFlowId(), token, NOW);
    assertEquals(List.of(request.getRequestId()), t.routedIds());

    TaskRequest replay = TaskRequest.newBuilder(request).setReplay(ReplayLineage.newBuilder().setDeadLetterId("dlq-1")
        .setGeneration(1).setReplayedAt(0).setReplayedBy("replayer").build()).build();
    t.replays.pipeInput(IngressKey.of(replay), replay, NOW);
    t.approvals.pipeInput(request.getFlowId(), token, NOW);
    assertTrue(t.routed.isEmpty(), "the spent token released the replay");
    // and a REJECT replayed after it blocked cannot touch anything else
    assertEquals("PENDING_APPROVAL", t.status.readKeyValuesToMap().get(request.getRequestId()).getOutcome());
  }

  @Test
  void heldTheSameApproverTwiceCountsOnceAndARejectBlocks() {
    open(PolicyFile.builder().defaultApprovalDeadline(Duration.ofHours(1)).quorum("create_charge", 2).build(), Duration.ofSeconds(1));
    TaskRequest request = t.submit(charge("acme"));
    t.approvals.pipeInput(request.getFlowId(), signer("alice", ALICE, NOW).approve(request, "1"), NOW);
    t.approvals.pipeInput(request.getFlowId(), signer("alice", ALICE, NOW.plusSeconds(1)).approve(request, "2"), NOW);
    // attached token from alice on a resend: dropped as a resend
    t.submit(TaskRequest.newBuilder(request).setApprovalToken(io.fabric.policy.approvals.TokenCodec.encode(
        signer("alice", ALICE, NOW.plusSeconds(2)).approve(request, "3"))).build());
    assertTrue(t.routed.isEmpty());
    ApprovalToken reject = signer("bob", BOB, NOW).reject(request, "no");
    t.approvals.pipeInput(request.getFlowId(), reject, NOW);
    assertEquals("APPROVAL_REJECTED", t.blocked.readValue().getReason());
    t.approvals.pipeInput(request.getFlowId(), reject, NOW);
    assertTrue(t.routed.isEmpty() && t.blocked.isEmpty());
  }

  @Test
  void heldATokenForTheSameIdInAnotherFlowOrWithAnotherPayloadIsRejected() {
    openDefault();
    TaskRequest request = t.submit(whatsapp("acme"));
    TaskRequest otherFlow = TaskRequest.newBuilder(request).setFlowId("flow-x").build();
    TaskRequest otherPayload = TaskRequest.newBuilder(request).setPayload("{\"to\":\"+666\",\"text\":\"hi\"}").build();
    t.approvals.pipeInput(request.getFlowId(), signer("alice", ALICE, NOW).approve(otherFlow, "ok"), NOW);
    t.approvals.pipeInput(request.getFlowId(), signer("alice", ALICE, NOW).approve(otherPayload, "ok"), NOW);
    assertTrue(t.routed.isEmpty());
    assertFalse(t.audit.readValuesToList().stream().noneMatch(e -> e.getType().equals("TOKEN_REJECTED")));
  }

  @Test
  void heldProducerTimestampsAndMisplacedKeysDoNotEscapeDeduplication() {
    openDefault();
    TaskRequest first = Submission.of("acme", "summarize").idempotencyKey("k").toRequest(NOW.toEpochMilli());
    t.ingress.pipeInput("whatever", first, NOW.minus(Duration.ofDays(400)));
    TaskRequest second = Submission.of("acme", "summarize").idempotencyKey("k").toRequest(NOW.toEpochMilli());
    t.ingress.pipeInput(null, second, NOW.plus(Duration.ofDays(400)));
    TaskRequest third = Submission.of("acme", "summarize").idempotencyKey("k").toRequest(NOW.toEpochMilli());
    t.ingress.pipeInput(IngressKey.of(third), third, NOW);
    assertEquals(List.of(first.getRequestId()), t.routedIds());
    Map<String, RequestStatus> s = t.status.readKeyValuesToMap();
    assertEquals("DUPLICATE", s.get(second.getRequestId()).getOutcome());
    assertEquals("DUPLICATE", s.get(third.getRequestId()).getOutcome());
  }

  @Test
  void heldEmptyIdsAndKeysAreInvalidAndClaimNothing() {
    openDefault();
    TaskRequest base = Submission.of("acme", "summarize").toRequest(NOW.toEpochMilli());
    t.submit(TaskRequest.newBuilder(base).setRequestId("").build());
    t.submit(TaskRequest.newBuilder(base).setIdempotencyKey("").build());
    t.submit(TaskRequest.newBuilder(base).setFlowId("").build());
    assertTrue(t.routed.isEmpty());
    assertEquals(3, t.blocked.readValuesToList().size());
    t.submit(base);
    assertEquals(List.of(base.getRequestId()), t.routedIds());
  }
}
