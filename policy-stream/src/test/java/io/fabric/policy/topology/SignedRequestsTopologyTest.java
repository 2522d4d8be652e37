package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a submitter registry the gate believes a tenant only from a submitter who signed for it: every
 * unsigned, forged, unknown, stale, reused or out-of-scope request is refused and audited, and a
 * scoped submitter's request runs.
 */
class SignedRequestsTopologyTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final KeyPair STRANGER = ApproverKeys.newKeyPair();

  @TempDir
  Path stateDir;

  private GateDriver t;
  private static final KeyPair REPLAYER = ApproverKeys.newKeyPair();
  private final RequestSigner agent = new RequestSigner("support-agent", AGENT.getPrivate());
  private final RequestSigner replayer = new RequestSigner("dlq-replayer", REPLAYER.getPrivate());
  private static final KeyPair GATEWAY = ApproverKeys.newKeyPair();
  private final RequestSigner gateway = new RequestSigner("gateway", GATEWAY.getPrivate());

  @BeforeEach
  void start() {
    ApproverRegistry submitters = ApproverRegistry.of(new Approver("support-agent", AGENT.getPublic(), Set.of("summarize", "send_whatsapp"),
        Set.of("acme")), new Approver("dlq-replayer", REPLAYER.getPublic(), Set.of(ReservedNames.REPLAY_SCOPE, "*"), Set.of("*")),
        new Approver("gateway", GATEWAY.getPublic(), Set.of(ReservedNames.GATEWAY_SCOPE, "*"), Set.of("acme")));
    t = new GateDriver(new PolicyGate(PolicyFile.builder().build(), new SignedTokenVerifier(ApproverRegistry.of()),
        new SubmitterVerifier(submitters)), Duration.ofSeconds(1), stateDir, NOW);
  }

  @AfterEach
  void close() {
    t.close();
  }

  private static TaskRequest request(String tenant, String action) {
    return Submission.of(tenant, action).payload("{\"text\":\"hi\"}").toRequest(NOW.toEpochMilli());
  }

  private RequestStatus statusOf(TaskRequest request) {
    return t.status.readKeyValuesToMap().get(request.getRequestId());
  }

  /**
   * Refused on fabric.tasks.blocked and audited; the id's public status is written only for a
   * submitter's own (authentic) request: a record that proves no identity cannot write the status of
   * an id that a signed request may own.
   */
  private void assertRefused(TaskRequest request, String reason, String detail) {
    t.submit(request);
    BlockedTask blocked = t.blocked.readValue();
    assertEquals(reason, blocked.getReason());
    assertTrue(blocked.getDetail().contains(detail), blocked.getDetail());
    RequestStatus status = statusOf(request);
    if (reason.equals("UNAUTHENTICATED") && !detail.equals("stale")) {
      assertEquals(null, status, "an unauthenticated record writes no status");
    } else {
      assertEquals("BLOCKED", status.getOutcome());
      assertEquals(reason, status.getReason());
    }
    List<AuditEvent> events = t.audits("SECURITY_EVENT");
    assertEquals(1, events.size(), events.toString());
    assertTrue(t.routed.isEmpty());
  }

  @Test
  void aRequestTheHttpGatewaySignsForItsCallerRunsAndNamesTheCaller() throws Exception {
    TaskRequest parsed = io.fabric.gateway.http.TaskBodyParser.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
            "{\"action\":\"summarize\",\"payload\":{\"text\":\"hi\"}}"), new io.fabric.gateway.http.Caller("billing", Set.of("acme")),
        "order-1", NOW.toEpochMilli()).request().orElseThrow();
    TaskRequest signed = t.submit(gateway.sign(parsed));

    TaskRequest routed = t.routed.readValue().getRequest();
    assertEquals(signed.getRequestId(), routed.getRequestId());
    assertEquals("billing", routed.getAttributes().get(io.fabric.schemas.topics.ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE),
        "the gate lets the gateway's attribute through, under the gateway's signature");
    assertTrue(t.audits("SECURITY_EVENT").isEmpty());
  }

  @Test
  void aScopedSubmittersSignedRequestRuns() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "summarize")));

    TaskRequest routed = t.routed.readValue().getRequest();
    assertEquals(signed.getRequestId(), routed.getRequestId());
    assertEquals("support-agent", routed.getSubmitter(), "downstream knows who asked");
    assertEquals("support-agent", t.status.readKeyValuesToMap().get(signed.getRequestId()).getSubmitter(), "and so does its status");
    assertTrue(t.routed.isEmpty() && t.audits("SECURITY_EVENT").isEmpty());
  }

  @Test
  void anUnsignedRequestIsUnauthenticated() {
    assertRefused(request("acme", "summarize"), "UNAUTHENTICATED", "not signed");
  }

  @Test
  void aRequestAlteredAfterSigningIsUnauthenticated() {
    TaskRequest altered = TaskRequest.newBuilder(agent.sign(request("acme", "summarize"))).setPayload("{\"text\":\"other\"}").build();
    assertRefused(altered, "UNAUTHENTICATED", "bad signature");
  }

  @Test
  void aNameWithoutItsKeyIsUnauthenticated() {
    TaskRequest impostor = new RequestSigner("support-agent", STRANGER.getPrivate()).sign(request("acme", "summarize"));
    assertRefused(impostor, "UNAUTHENTICATED", "bad signature");
    TaskRequest unknown = new RequestSigner("ghost", STRANGER.getPrivate()).sign(request("acme", "summarize"));
    t.submit(unknown);
    assertTrue(t.blocked.readValue().getDetail().contains("unknown submitter ghost"));
    assertEquals(null, statusOf(unknown));
  }

  @Test
  void aStaleSignatureIsUnauthenticated() {
    TaskRequest old = agent.sign(Submission.of("acme", "summarize").toRequest(NOW.minus(Duration.ofHours(1)).toEpochMilli()));
    assertRefused(old, "UNAUTHENTICATED", "stale");
  }

  @Test
  void anotherTenantOrActionIsUnauthorized() {
    assertRefused(agent.sign(request("globex", "summarize")), "UNAUTHORIZED", "may not act for tenant globex");
  }

  @Test
  void anActionOutsideTheScopeIsUnauthorized() {
    assertRefused(agent.sign(request("acme", "create_charge")), "UNAUTHORIZED", "may not request action create_charge");
  }

  @Test
  void aSignedRequestUsedTwiceRunsOnceAndTheSecondUseIsAudited() {
    TaskRequest signed = agent.sign(request("acme", "summarize"));
    t.submit(signed);
    t.advance(Duration.ofMinutes(1));
    t.submit(TaskRequest.newBuilder(signed).build());

    assertEquals(List.of(signed.getRequestId()), t.routedIds());
    assertTrue(t.audits("SECURITY_EVENT").stream().anyMatch(e -> e.getDetail().contains("used again")));
  }

  @Test
  void anUnsignedRequestCannotSquatAnIdBeforeItsSignedOwnerArrives() {
    TaskRequest signed = agent.sign(request("acme", "summarize"));
    t.submit(TaskRequest.newBuilder(signed).setSubmitter(null).setSubmitterSignature(null).setPayload("{\"text\":\"first\"}").build());
    t.submit(signed);

    assertEquals(List.of(signed.getRequestId()), t.routedIds());
  }

  private TaskRequest replayOf(TaskRequest original, int generation, Instant at) {
    ReplayLineage lineage = ReplayLineage.newBuilder().setDeadLetterId("dlq-" + generation).setGeneration(generation)
        .setReplayedAt(at.toEpochMilli()).setReplayedBy("ops@host").setOriginalSubmitter(original.getSubmitter()).build();
    return TaskRequest.newBuilder(original).setApprovalToken(null).setReplay(lineage).build();
  }

  private void replay(TaskRequest replay) {
    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
  }

  @Test
  void aReplayReSignedByTheReplayerIsCheckedAgainAndNamesTheOriginalSubmitter() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "summarize")));
    t.routedIds();
    Instant later = t.advance(Duration.ofDays(2));

    replay(replayer.sign(replayOf(signed, 1, later)));

    TaskRequest routed = t.routed.readValue().getRequest();
    assertEquals(signed.getRequestId(), routed.getRequestId());
    assertEquals("dlq-replayer", routed.getSubmitter(), "the replayer vouches for the replay");
    assertEquals("support-agent", routed.getReplay().getOriginalSubmitter(), "and names who asked first");
    assertTrue(t.audits("SECURITY_EVENT").isEmpty());
    assertEquals("dlq-replayer", t.status.readKeyValuesToMap().get(signed.getRequestId()).getSubmitter());
  }

  @Test
  void aReplayOfAClassBRequestWaitsForAFreshApproval() {
    TaskRequest signed = agent.sign(request("acme", "send_whatsapp"));
    Instant later = t.advance(Duration.ofHours(1));

    replay(replayer.sign(replayOf(signed, 1, later)));

    assertTrue(t.routed.isEmpty());
    assertEquals("PENDING_APPROVAL", t.status.readKeyValuesToMap().get(signed.getRequestId()).getOutcome());
  }

  @Test
  void aReplayFromARawProducerWithoutTheReplayersKeyIsUnauthenticatedAndChangesNothing() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "summarize")));
    t.routedIds();
    t.status.readKeyValuesToMap();
    Instant later = t.advance(Duration.ofDays(2));

    replay(replayOf(signed, 1, later)); // the agent's signature of the first submission, now with lineage
    replay(TaskRequest.newBuilder(replayOf(signed, 1, later)).setSubmitter("dlq-replayer").setSubmitterSignature(null).build());
    replay(new RequestSigner("dlq-replayer", STRANGER.getPrivate()).sign(replayOf(signed, 1, later)));

    assertTrue(t.routed.isEmpty(), "nothing runs again");
    List<AuditEvent> events = t.audits("SECURITY_EVENT");
    assertEquals(3, events.size(), events.toString());
    assertTrue(events.stream().allMatch(e -> e.getDetail().contains("UNAUTHENTICATED")), events.toString());
    assertTrue(t.status.isEmpty(), "the request keeps its status");
  }

  @Test
  void aForgedReplayOfAnUnknownIdIsBlockedUnauthenticated() {
    TaskRequest forged = replayOf(request("acme", "summarize"), 1, NOW);
    replay(forged);

    assertEquals("UNAUTHENTICATED", t.blocked.readValue().getReason());
    assertEquals(1, t.audits("SECURITY_EVENT").size());
    assertTrue(t.routed.isEmpty());
  }

  @Test
  void aReplaySignedByASubmitterThatIsNotAReplayerIsUnauthorized() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "summarize")));
    t.routedIds();
    Instant later = t.advance(Duration.ofMinutes(1));

    replay(agent.sign(replayOf(signed, 1, later)));

    assertTrue(t.routed.isEmpty());
    List<AuditEvent> events = t.audits("SECURITY_EVENT");
    assertEquals(1, events.size(), events.toString());
    assertTrue(events.get(0).getDetail().contains("may not replay requests"), events.toString());
  }

  @Test
  void aReplaySignatureNeitherAgesNorMovesToAnotherGeneration() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "summarize")));
    t.routedIds();
    TaskRequest replayed = replayer.sign(replayOf(signed, 1, t.now()));
    TaskRequest bumped = TaskRequest.newBuilder(replayed).setReplay(ReplayLineage.newBuilder(replayed.getReplay()).setGeneration(2).build()).build();
    replay(bumped);
    t.advance(Duration.ofHours(1));
    replay(replayed);

    assertTrue(t.routed.isEmpty());
    List<String> details = t.audits("SECURITY_EVENT").stream().map(AuditEvent::getDetail).toList();
    assertEquals(2, details.size(), details.toString());
    assertTrue(details.get(0).contains("bad signature") && details.get(1).contains("stale"), details.toString());
  }
}
