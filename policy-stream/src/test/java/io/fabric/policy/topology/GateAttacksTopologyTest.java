package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate played by an attacker who can write any record to ingress (not through FabricClient):
 * each attack ends in exactly one refusal and changes nothing of the request it aimed at. Real
 * Ed25519 tokens; wall-clock time is advanced where expiry matters.
 */
class GateAttacksTopologyTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final KeyPair ALICE = ApproverKeys.newKeyPair();

  @TempDir
  Path stateDir;

  private GateDriver t;

  @BeforeEach
  void start() {
    open(Duration.ofSeconds(1), StateRetention.DEFAULT);
  }

  private void open(Duration slaCheckInterval, StateRetention retention) {
    if (t != null) {
      t.close();
    }
    ApproverRegistry registry = ApproverRegistry.of(new Approver("alice", ALICE.getPublic(), Set.of("*"), Set.of("*")));
    t = new GateDriver(new PolicyGate(PolicyFile.builder().defaultApprovalDeadline(Duration.ofMinutes(10)).retention(retention).build(),
        new SignedTokenVerifier(registry)), slaCheckInterval, stateDir, NOW);
  }

  @AfterEach
  void close() {
    t.close();
  }

  private TokenSigner alice(Instant at) {
    return new TokenSigner("alice", ALICE.getPrivate(), Clock.fixed(at, ZoneOffset.UTC), Duration.ofHours(1));
  }

  private static TaskRequest whatsapp(String tenant, String to) {
    return Submission.of(tenant, "send_whatsapp").payload("{\"to\":\"" + to + "\",\"text\":\"hi\"}").toRequest(NOW.toEpochMilli());
  }

  private static TaskRequest forged(TaskRequest request, Map<String, String> attributes) {
    return TaskRequest.newBuilder(request).setAttributes(attributes).build();
  }

  private List<AuditEvent> securityEvents() {
    return t.audit.readValuesToList().stream().filter(e -> e.getType().equals("SECURITY_EVENT")).toList();
  }

  @Test
  void aReservedAttributeIsBlockedInvalidRequestAndAudited() {
    TaskRequest rollback = t.submit(forged(Submission.of("acme", "summarize").toRequest(0), Map.of("fabric.rollback", "true")));
    TaskRequest replayOf = t.submit(forged(Submission.of("acme", "summarize").toRequest(0), Map.of("fabric.replay.of", "dlq-1")));

    assertTrue(t.routed.isEmpty(), "nothing with a reserved attribute is routed");
    Map<String, RequestStatus> statuses = t.status.readKeyValuesToMap();
    for (TaskRequest r : List.of(rollback, replayOf)) {
      assertEquals("INVALID_REQUEST", statuses.get(r.getRequestId()).getReason());
      assertTrue(statuses.get(r.getRequestId()).getDetail().contains("reserved"), statuses.get(r.getRequestId()).getDetail());
    }
    assertEquals(2, t.blocked.readValuesToList().size());
    assertEquals(2, securityEvents().size());
  }

  @Test
  void replayLineageIsAcceptedOnlyFromTheReplayTopic() {
    TaskRequest original = t.submit(Submission.of("acme", "summarize").toRequest(0));
    t.routed.readValuesToList();
    TaskRequest lineage = TaskRequest.newBuilder(original).setReplay(ReplayLineage.newBuilder().setDeadLetterId("dlq-1")
        .setGeneration(1).setReplayedAt(0).setReplayedBy("mallory").build()).build();

    t.ingress.pipeInput(IngressKey.of(lineage), lineage, NOW);
    assertTrue(t.routed.isEmpty());
    assertEquals(1, securityEvents().size());
    assertEquals("ROUTED", t.status.readKeyValuesToMap().get(original.getRequestId()).getOutcome(),
        "the forged replay did not re-status the request it named");

    t.replays.pipeInput(IngressKey.of(lineage), lineage, NOW);
    assertEquals(List.of(original.getRequestId()), t.routed.readValuesToList().stream().map(t -> t.getRequest().getRequestId()).toList());
  }

  /**
   * Red team (red5): a replay keeps its request's id, flow and payload, so the token that approved the request
   * binds to the replay too; only its spent nonce keeps it from releasing the replay within its hour. The replay,
   * parked again, is released by a fresh approval only.
   */
  @Test
  void theTokenThatApprovedARequestCannotReleaseItsReplay() {
    TaskRequest first = t.submit(whatsapp("acme", "+15550100"));
    io.fabric.contracts.ApprovalToken token = alice(NOW).approve(first, "ok");
    t.approvals.pipeInput(first.getFlowId(), token, NOW);
    assertEquals(1, t.routed.readValuesToList().size());
    t.pending.readValuesToList();

    Instant later = t.advance(Duration.ofMinutes(1));
    TaskRequest replay = TaskRequest.newBuilder(first).setReplay(ReplayLineage.newBuilder().setDeadLetterId("dl-1").setGeneration(1)
        .setReplayedAt(later.toEpochMilli()).setReplayedBy("ops@host").build()).build();
    t.replays.pipeInput(IngressKey.of(replay), replay, later);
    assertEquals(1, t.pending.readValuesToList().size(), "the replay waits for approval again");
    t.approvals.pipeInput(first.getFlowId(), token, t.advance(Duration.ofMinutes(1)));
    assertTrue(t.routed.isEmpty(), "the spent token releases nothing");

    Instant fresh = t.advance(Duration.ofMinutes(1));
    t.approvals.pipeInput(first.getFlowId(), alice(fresh).approve(replay, "again"), fresh);
    assertEquals(1, t.routed.readValuesToList().size(), "a fresh approval releases it");
  }

  @Test
  void aReusedRequestIdNeverReplacesThePendingRequestItsStatusOrWhatTheApproverSigns() {
    TaskRequest first = t.submit(whatsapp("acme", "+15550100"));
    t.pending.readValuesToList();
    t.status.readKeyValuesToMap();
    TaskRequest otherTenant = Submission.of("evil-co", "send_whatsapp").requestId(first.getRequestId())
        .payload("{\"to\":\"+666\",\"text\":\"pay me\"}").idempotencyKey("x1").toRequest(0);
    TaskRequest sameTenantOtherFlow = Submission.of("acme", "send_whatsapp").requestId(first.getRequestId())
        .payload("{\"to\":\"+666\",\"text\":\"pay me\"}").idempotencyKey("x2").toRequest(0);
    TaskRequest sameFlow = Submission.of("acme", "send_whatsapp").requestId(first.getRequestId()).flowId(first.getFlowId())
        .payload("{\"to\":\"+666\",\"text\":\"pay me\"}").idempotencyKey("x3").toRequest(0);
    List.of(otherTenant, sameTenantOtherFlow, sameFlow).forEach(t::submit);

    assertTrue(t.pending.isEmpty() && t.status.isEmpty() && t.blocked.isEmpty(), "no pending entry or status was written for the reuses");
    List<AuditEvent> events = securityEvents();
    assertEquals(3, events.size());
    events.forEach(e -> assertTrue(e.getDetail().contains("is refused"), e.getDetail()));
    events.stream().filter(e -> e.getTenantId().equals("acme")).forEach(e -> assertTrue(e.getDetail().contains("tenant acme, flow "
        + first.getFlowId()), "a reuse within the tenant names both requests: " + e.getDetail()));
    events.stream().filter(e -> e.getTenantId().equals("evil-co")).forEach(e -> assertTrue(e.getDetail().contains("a request of another tenant")
        && !e.getDetail().contains("acme"), "evil-co reads its own events, so nothing of acme's request: " + e.getDetail()));

    t.approvals.pipeInput(first.getFlowId(), alice(NOW).approve(first, "ok"), NOW);
    RoutedTask released = t.routed.readValue();
    assertEquals(first.getPayload(), released.getRequest().getPayload(), "what runs is what the approver signed");
    assertTrue(t.routed.isEmpty());
  }

  @Test
  void anInvalidRecordOrADuplicateReusingAnIdDoesNotRestatusItsOwner() {
    TaskRequest owner = t.submit(whatsapp("acme", "+15550100"));
    TaskRequest keyHolder = t.submit(Submission.of("acme", "summarize").idempotencyKey("k1").toRequest(0));
    t.status.readKeyValuesToMap();
    t.submit(forged(owner, Map.of("fabric.rollback", "true")));
    t.submit(Submission.of("acme", "summarize").idempotencyKey("k1").requestId(owner.getRequestId()).toRequest(0));

    assertTrue(t.status.isEmpty(), "the owner's status stays PENDING_APPROVAL");
    assertEquals(2, securityEvents().size());
    assertEquals(1, t.routed.readValuesToList().size(), keyHolder.getRequestId());
  }

  @Test
  void anApprovalAfterTheDeadlineReleasesNothingEvenBeforeThePunctuatorRuns() {
    open(Duration.ofDays(1), StateRetention.DEFAULT);
    TaskRequest request = t.submit(whatsapp("acme", "+15550100"));
    t.driver.advanceWallClockTime(Duration.ofMinutes(11));
    Instant late = NOW.plus(Duration.ofMinutes(11));

    t.approvals.pipeInput(request.getFlowId(), alice(late).approve(request, "too late"), late);

    assertTrue(t.routed.isEmpty());
    assertEquals("APPROVAL_EXPIRED", t.blocked.readValue().getReason());
  }

  @Test
  void separatorsInIdsAreRefusedAndCannotBreakTheDedupStore() {
    // a raw producer: FabricClient would refuse these before sending
    TaskRequest barInId = t.submit(TaskRequest.newBuilder(Submission.of("acme", "summarize").idempotencyKey("k9").toRequest(0))
        .setRequestId("r|1").setFlowId("r-1").build());
    TaskRequest ambiguousTenant = t.submit(TaskRequest.newBuilder(Submission.of("acme", "summarize").idempotencyKey("42").toRequest(0))
        .setTenantId("acme|eu").build());
    TaskRequest after = t.submit(Submission.of("acme", "summarize").idempotencyKey("k9").toRequest(0));
    t.driver.advanceWallClockTime(Duration.ofMinutes(6));

    Map<String, RequestStatus> statuses = t.status.readKeyValuesToMap();
    assertEquals("INVALID_REQUEST", statuses.get(barInId.getRequestId()).getReason());
    assertEquals("INVALID_REQUEST", statuses.get(ambiguousTenant.getRequestId()).getReason());
    assertEquals("ROUTED", statuses.get(after.getRequestId()).getOutcome());
  }

  @Test
  void aBlockedRequestTakesNoFlowAndOwnershipLapsesAfterTheRetention() {
    open(Duration.ofSeconds(1), new StateRetention(Duration.ofHours(1), Duration.ofDays(30)));
    t.submit(Submission.of("evil-co", "exfiltrate_secrets").flowId("flow-7").toRequest(0));
    TaskRequest acme = t.submit(Submission.of("acme", "summarize").flowId("flow-7").toRequest(0));
    TaskRequest intruder = t.submit(Submission.of("evil-co", "summarize").flowId("flow-7").toRequest(0));
    t.driver.advanceWallClockTime(Duration.ofMinutes(70));
    TaskRequest afterRetention = t.submit(Submission.of("globex", "summarize").flowId("flow-7").toRequest(0));

    Map<String, RequestStatus> statuses = t.status.readKeyValuesToMap();
    assertEquals("ROUTED", statuses.get(acme.getRequestId()).getOutcome(), "the blocked request did not take flow-7");
    assertEquals("TENANT_MISMATCH", statuses.get(intruder.getRequestId()).getReason());
    assertEquals("ROUTED", statuses.get(afterRetention.getRequestId()).getOutcome(), "released one retention after its last request");
  }
}
