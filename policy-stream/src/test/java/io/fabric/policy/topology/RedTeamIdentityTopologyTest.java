package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.StateRetention;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.policy.identity.SubmitterVerifier;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team, identity: ways a signed request, or a copy of one, does something its submitter did not
 * ask for, or an unsigned record touches a signed request's status. Each test states the promise and
 * fails while it is broken.
 */
class RedTeamIdentityTopologyTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final KeyPair ALICE = ApproverKeys.newKeyPair();

  @TempDir
  Path stateDir;

  private GateDriver t;
  private final RequestSigner agent = new RequestSigner("support-agent", AGENT.getPrivate());
  private final Approver agentEntry = new Approver("support-agent", AGENT.getPublic(), Set.of("summarize", "send_whatsapp"), Set.of("acme"));
  private final AtomicReference<ApproverRegistry> submitters = new AtomicReference<>(ApproverRegistry.of(agentEntry));

  @BeforeEach
  void start() {
    start(PolicyFile.builder());
  }

  private void start(PolicyFile.Builder policy) {
    if (t != null) {
      t.close();
    }
    ApproverRegistry approvers = ApproverRegistry.of(new Approver("alice", ALICE.getPublic(), Set.of("*"), Set.of("*")));
    t = new GateDriver(new PolicyGate(policy.build(), new SignedTokenVerifier(approvers),
        new SubmitterVerifier(submitters::get, SubmitterVerifier.DEFAULT_MAX_AGE, SubmitterVerifier.DEFAULT_CLOCK_SKEW)),
        Duration.ofSeconds(1), stateDir, NOW);
  }

  @AfterEach
  void close() {
    t.close();
  }

  private static TaskRequest request(String tenant, String action, long at) {
    return Submission.of(tenant, action).payload("{\"text\":\"hi\"}").toRequest(at);
  }

  private List<RequestStatus> statusesOf(String requestId) {
    return t.status.readKeyValuesToList().stream().filter(kv -> kv.key.equals(requestId)).map(kv -> kv.value).toList();
  }

  private static TaskRequest unsignedCopy(TaskRequest signed) {
    return TaskRequest.newBuilder(signed).setSubmitter(null).setSubmitterSignature(null).build();
  }

  /**
   * A signed request that admit refuses for a field the signature does not cover (here a reserved
   * attribute; equally an over-long source or traceparent) claims no id: the submitter is told
   * BLOCKED, yet anyone who reads ingress can strip the field and send the copy, which verifies and runs.
   */
  @Test
  void aSignedRequestBlockedForAnUnsignedFieldRunsOnceAnyoneStripsThatField() {
    TaskRequest withBadAttribute = TaskRequest.newBuilder(request("acme", "summarize", NOW.toEpochMilli()))
        .setAttributes(Map.of("fabric.rollback", "x")).build();
    TaskRequest signed = t.submit(agent.sign(withBadAttribute));
    assertEquals("BLOCKED", statusesOf(signed.getRequestId()).get(0).getOutcome());

    t.advance(Duration.ofMinutes(1));
    t.submit(TaskRequest.newBuilder(signed).setAttributes(Map.of()).build()); // the attacker's copy, no key needed

    assertEquals(List.of(), t.routedIds(), "a request its submitter was told is BLOCKED must not run from a copy");
  }

  /**
   * A signed request refused as "in the future" (its signer's clock is ahead by more than the skew)
   * claims nothing, so the very same bytes, re-sent by anyone minutes later, are fresh and run.
   */
  @Test
  void aFutureDatedSignedRequestRefusedOnceRunsWhenAnyoneResendsItLater() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "summarize", NOW.plus(Duration.ofMinutes(5)).toEpochMilli())));
    RequestStatus first = statusesOf(signed.getRequestId()).get(0);
    assertEquals("UNAUTHENTICATED", first.getReason());

    t.advance(Duration.ofMinutes(4));
    t.submit(TaskRequest.newBuilder(signed).build());

    assertEquals(List.of(), t.routedIds(), "a signed request refused once must not be usable later");
  }

  /**
   * A submitter removed from the registry (key compromised, or scope revoked) while its request waits
   * for approval: the approval still releases the request, though its signer is no longer trusted
   * (approvals from removed approvers are verified again before release; submitters are not).
   */
  @Test
  void aPendingRequestOfARevokedSubmitterIsStillReleasedByAnApproval() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "send_whatsapp", NOW.toEpochMilli())));
    assertEquals(1, t.pending.readValuesToList().size(), "send_whatsapp waits for approval");

    submitters.set(ApproverRegistry.of()); // support-agent revoked
    TokenSigner alice = new TokenSigner("alice", ALICE.getPrivate(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofHours(1));
    t.publish(alice.approve(signed, "ok"));

    assertEquals(List.of(), t.routedIds(), "a request whose submitter is no longer registered must not be released");
  }

  /**
   * With request-id retention shorter than the signature's lifetime (10 minutes + 2 of skew), which
   * the policy accepts, the claim on a signed request's id is forgotten while the signature is still
   * fresh: the same signed bytes run a second time. The policy only requires request-id retention to
   * cover the duplicate window and the approval deadlines, not the signature lifetime (and the duplicate
   * window would not catch it anyway: it treats the same request id as no duplicate).
   */
  @Test
  void aRequestIdRetentionShorterThanTheSignatureLifetimeIsRefusedAtStart() {
    io.fabric.policy.PolicyException refused = org.junit.jupiter.api.Assertions.assertThrows(io.fabric.policy.PolicyException.class,
        () -> PolicyFile.builder().duplicateWindow(Duration.ofMinutes(5)).defaultApprovalDeadline(Duration.ofMinutes(5))
            .retention(new StateRetention(Duration.ofDays(30), Duration.ofMinutes(5))).build());
    assertTrue(refused.getMessage().contains("a signed request stays usable"), refused.getMessage());
  }

  /**
   * After the request-id retention (30 days) an unsigned record with a signed request's id is refused
   * without writing a status: it cannot overwrite that request's EXECUTED/ROUTED one.
   */
  @Test
  void anUnsignedRecordDoesNotReStatusASignedRequestOnceItsIdClaimLapses() {
    TaskRequest signed = t.submit(agent.sign(request("acme", "summarize", NOW.toEpochMilli())));
    assertEquals("ROUTED", statusesOf(signed.getRequestId()).get(0).getOutcome());

    t.advance(Duration.ofDays(30).plusHours(1));
    t.submit(unsignedCopy(signed));

    List<RequestStatus> after = statusesOf(signed.getRequestId());
    assertTrue(after.isEmpty(), "an unsigned record must not write a status for a signed request's id: " + after);
  }

  /**
   * The fields the signature does not cover (attributes, source, traceparent) are taken from whichever
   * copy claims the id first. A refused record takes a shorter path to the request-id step (no
   * by-idempotency-key repartition), and a copy may sit on a partition the gate reads sooner: a copy of
   * a signed request read from ingress, altered, can win, and is then routed in the submitter's name
   * with the attacker's attributes.
   */
  @Test
  void aCopyWithOtherUnsignedFieldsThatArrivesFirstIsRoutedInTheSubmittersName() {
    TaskRequest signed = agent.sign(request("acme", "summarize", NOW.toEpochMilli()));
    TaskRequest altered = TaskRequest.newBuilder(signed).setAttributes(Map.of("callback", "https://attacker.example/"))
        .setSource("not-the-agent").setTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").build();
    t.submit(altered);
    t.submit(signed);

    TaskRequest routed = t.routed.readValue().getRequest();
    assertEquals("support-agent", routed.getSubmitter());
    assertEquals(signed.getAttributes(), routed.getAttributes(), "what runs in the submitter's name is what it signed");
    assertEquals(signed.getSource(), routed.getSource());
  }

  /**
   * An unsigned record with a signed request's id may reach the request-id step first (the refused
   * path is one repartition shorter, so a copy seen on ingress can overtake the original): it is
   * refused (blocked topic, audit) without writing a status, so the id's only status is the signed
   * request's.
   */
  @Test
  void anUnsignedRecordArrivingFirstWritesNoStatusUnderASignedRequestsId() {
    TaskRequest signed = agent.sign(request("acme", "summarize", NOW.toEpochMilli()));
    t.submit(TaskRequest.newBuilder(unsignedCopy(signed)).setTenantId("globex").build());
    t.submit(signed);

    assertEquals(List.of(signed.getRequestId()), t.routedIds());
    List<String> outcomes = statusesOf(signed.getRequestId()).stream().map(s -> s.getOutcome() + "/" + s.getTenantId()).toList();
    assertEquals(List.of("ROUTED/acme"), outcomes, "only the signed request writes its id's status");
  }
}
