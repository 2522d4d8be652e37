package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.AuditEvent;
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
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
  private final RequestSigner agent = new RequestSigner("support-agent", AGENT.getPrivate());

  @BeforeEach
  void start() {
    ApproverRegistry submitters = ApproverRegistry.of(new Approver("support-agent", AGENT.getPublic(), Set.of("summarize", "send_whatsapp"),
        Set.of("acme")));
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

  private void assertRefused(TaskRequest request, String reason, String detail) {
    t.submit(request);
    RequestStatus status = statusOf(request);
    assertEquals("BLOCKED", status.getOutcome());
    assertEquals(reason, status.getReason());
    assertTrue(status.getDetail().contains(detail), status.getDetail());
    List<AuditEvent> events = t.audits("SECURITY_EVENT");
    assertEquals(1, events.size(), events.toString());
    assertTrue(t.routed.isEmpty());
  }

  @Test
  void aRequestTheHttpGatewaySignsForItsCallerRunsAndNamesTheCaller() throws Exception {
    TaskRequest parsed = io.fabric.gateway.http.TaskBodyParser.parse(new com.fasterxml.jackson.databind.ObjectMapper().readTree(
            "{\"action\":\"summarize\",\"payload\":{\"text\":\"hi\"}}"), new io.fabric.gateway.http.Caller("billing", Set.of("acme")),
        "order-1", NOW.toEpochMilli()).request().orElseThrow();
    TaskRequest signed = t.submit(agent.sign(parsed));

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
    assertTrue(statusOf(unknown).getDetail().contains("unknown submitter ghost"));
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

  @Test
  void aReplayFromTheReplayTopicIsVouchedForByThatTopic() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "summarize")));
    t.routedIds();
    TaskRequest replay = TaskRequest.newBuilder(signed).setSubmittedAt(NOW.minus(Duration.ofDays(2)).toEpochMilli())
        .setSubmitterSignature(ByteBuffer.wrap(new byte[64])).setReplay(ReplayLineage.newBuilder().setDeadLetterId("dlq-1")
            .setGeneration(1).setReplayedAt(NOW.toEpochMilli()).setReplayedBy("ops").build()).build();
    t.replays.pipeInput(IngressKey.of(replay), replay, NOW);

    assertEquals(List.of(signed.getRequestId()), t.routedIds());
    assertTrue(t.audits("SECURITY_EVENT").isEmpty());
    Map<String, RequestStatus> statuses = t.status.readKeyValuesToMap();
    assertEquals("ROUTED", statuses.get(signed.getRequestId()).getOutcome());
  }
}
