package io.fabric.policy.approvals;

import static io.fabric.policy.approvals.ApprovalFixtures.ALICE_KEYS;
import static io.fabric.policy.approvals.ApprovalFixtures.BOB_KEYS;
import static io.fabric.policy.approvals.ApprovalFixtures.CAROL_KEYS;
import static io.fabric.policy.approvals.ApprovalFixtures.MALLORY_KEYS;
import static io.fabric.policy.approvals.ApprovalFixtures.NOW;
import static io.fabric.policy.approvals.ApprovalFixtures.REGISTRY;
import static io.fabric.policy.approvals.ApprovalFixtures.chargeRequest;
import static io.fabric.policy.approvals.ApprovalFixtures.request;
import static io.fabric.policy.approvals.ApprovalFixtures.signer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.TokenVerifier.TokenVerdict;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class SignedTokenVerifierTest {
  private final SignedTokenVerifier verifier = new SignedTokenVerifier(REGISTRY);
  private final long now = NOW.toEpochMilli();

  private static void assertInvalid(String expectedProblem, TokenVerdict verdict) {
    assertEquals(TokenVerdict.invalid(expectedProblem), verdict);
  }

  private static ApprovalToken tampered(ApprovalToken token, UnaryOperator<ApprovalToken.Builder> change) {
    return change.apply(ApprovalToken.newBuilder(token)).build();
  }

  @Test
  void validApproval() {
    TaskRequest request = chargeRequest();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(request, "customer called");

    TokenVerdict verdict = verifier.verify(token, request, now);

    assertEquals(TokenVerdict.ok(), verdict);
    assertTrue(verdict.valid());
    assertNull(verdict.problem());
    assertEquals(ApprovalDecision.APPROVE, ApprovalDecision.of(token));
  }

  @Test
  void validRejectionIsAValidTokenWhoseDecisionIsReject() {
    TaskRequest request = chargeRequest();
    ApprovalToken token = signer("alice", ALICE_KEYS).reject(request, "amount looks wrong");

    TokenVerdict verdict = verifier.verify(token, request, now);

    assertEquals(TokenVerdict.ok(), verdict);
    assertEquals(ApprovalDecision.REJECT, ApprovalDecision.of(token));
    assertEquals("amount looks wrong", token.getReason());
  }

  @Test
  void preApprovedTokenVerifiesAfterTheStringRoundTrip() throws Exception {
    TaskRequest request = chargeRequest();
    String attached = TokenCodec.encode(signer("alice", ALICE_KEYS).approve(request, ""));

    ApprovalToken decoded = verifier.decode(attached);

    assertEquals(TokenVerdict.ok(), verifier.verify(decoded, request, now));
  }

  @Test
  void payloadReEncodedWithOtherKeyOrderAndWhitespaceStillMatches() {
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(chargeRequest(), "");
    TaskRequest reEncoded = TaskRequest.newBuilder(chargeRequest())
        .setPayload("{ \"customer\": \"c-9\", \"currency\": \"EUR\", \"amount\": 1200 }")
        .build();

    assertEquals(TokenVerdict.ok(), verifier.verify(token, reEncoded, now));
  }

  @Test
  void badSignatureWhenASignedFieldWasTampered() {
    TaskRequest request = chargeRequest();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(request, "ok");

    String expected = "bad signature: not signed by approver alice's key, or altered after signing";
    assertInvalid(expected, verifier.verify(tampered(token, b -> b.setReason("ok, and more")), request, now));
    assertInvalid(expected, verifier.verify(tampered(token, b -> b.setExpiresAt(token.getExpiresAt() + 86_400_000L)), request, now));
    assertInvalid(expected, verifier.verify(tampered(token, b -> b.setDecision("REJECT")), request, now));
    assertInvalid(expected, verifier.verify(tampered(token, b -> b.setNonce("fresh-nonce")), request, now));
  }

  @Test
  void badSignatureWhenThePayloadHashIsSwappedToMatchAnotherPayload() {
    TaskRequest approved = chargeRequest();
    TaskRequest bigger = TaskRequest.newBuilder(approved).setPayload("{\"amount\":999999,\"currency\":\"EUR\",\"customer\":\"c-9\"}").build();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(approved, "");

    ApprovalToken swapped = tampered(token, b -> b.setPayloadSha256(CanonicalPayload.sha256Of(bigger.getPayload())));

    assertInvalid("bad signature: not signed by approver alice's key, or altered after signing",
        verifier.verify(swapped, bigger, now));
  }

  @Test
  void badSignatureWhenSignedWithSomeoneElsesKeyOrGarbled() {
    TaskRequest request = chargeRequest();
    ApprovalToken forged = signer("alice", MALLORY_KEYS).approve(request, "");
    ApprovalToken garbled = tampered(signer("alice", ALICE_KEYS).approve(request, ""), b -> b.setSignature(ByteBuffer.wrap(new byte[] {1, 2, 3})));

    assertInvalid("bad signature: not signed by approver alice's key, or altered after signing", verifier.verify(forged, request, now));
    assertInvalid("bad signature: not signed by approver alice's key, or altered after signing", verifier.verify(garbled, request, now));
  }

  @Test
  void unknownApprover() {
    TaskRequest request = chargeRequest();
    ApprovalToken token = signer("mallory", MALLORY_KEYS).approve(request, "");

    assertInvalid("unknown approver mallory", verifier.verify(token, request, now));
  }

  @Test
  void approverOutOfScopeForTheAction() {
    TaskRequest request = chargeRequest();
    ApprovalToken token = signer("bob", BOB_KEYS).approve(request, "");

    assertInvalid("approver bob may not approve action create_charge", verifier.verify(token, request, now));
  }

  @Test
  void approverOutOfScopeForTheTenant() {
    TaskRequest request = request("req-7", "globex", "create_charge", "{\"amount\":5}");
    ApprovalToken token = signer("carol", CAROL_KEYS).approve(request, "");

    assertInvalid("approver carol may not approve for tenant globex", verifier.verify(token, request, now));
  }

  @Test
  void expiredToken() {
    TaskRequest request = chargeRequest();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(request, "");
    long expiry = NOW.plus(TokenSigner.DEFAULT_TTL).toEpochMilli();

    assertEquals(TokenVerdict.ok(), verifier.verify(token, request, expiry - 1));
    assertInvalid("token expired at 2026-11-25T10:00:00Z", verifier.verify(token, request, expiry));
  }

  @Test
  void tokenIssuedInTheFutureBeyondTheClockSkew() {
    TaskRequest request = chargeRequest();
    Clock aheadClock = Clock.fixed(NOW.plus(Duration.ofMinutes(10)), ZoneOffset.UTC);
    Clock slightlyAhead = Clock.fixed(NOW.plus(Duration.ofMinutes(1)), ZoneOffset.UTC);
    ApprovalToken ahead = new TokenSigner("alice", ALICE_KEYS.getPrivate(), aheadClock, TokenSigner.DEFAULT_TTL).approve(request, "");
    ApprovalToken withinSkew = new TokenSigner("alice", ALICE_KEYS.getPrivate(), slightlyAhead, TokenSigner.DEFAULT_TTL).approve(request, "");

    assertInvalid("token issued in the future, at 2026-11-25T09:10:00Z (clock skew allowed: PT2M)", verifier.verify(ahead, request, now));
    assertEquals(TokenVerdict.ok(), verifier.verify(withinSkew, request, now));
  }

  @Test
  void tokenForAnotherRequest() {
    TaskRequest approved = chargeRequest();
    TaskRequest other = TaskRequest.newBuilder(approved).setRequestId("req-2").build();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(approved, "");

    assertInvalid("token is for request req-1, not req-2", verifier.verify(token, other, now));
  }

  @Test
  void tokenForAnotherTenantFlowOrAction() {
    TaskRequest approved = chargeRequest();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(approved, "");

    assertInvalid("token is for tenant acme, not globex",
        verifier.verify(token, TaskRequest.newBuilder(approved).setTenantId("globex").build(), now));
    assertInvalid("token is for flow flow-req-1, not flow-other",
        verifier.verify(token, TaskRequest.newBuilder(approved).setFlowId("flow-other").build(), now));
    assertInvalid("token approves action create_charge, not refund_charge",
        verifier.verify(token, TaskRequest.newBuilder(approved).setAction("refund_charge").build(), now));
  }

  @Test
  void tokenWhosePayloadHashDiffers() {
    TaskRequest approved = chargeRequest();
    TaskRequest swapped = TaskRequest.newBuilder(approved).setPayload("{\"amount\":999999,\"currency\":\"EUR\",\"customer\":\"c-9\"}").build();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(approved, "");

    assertInvalid("payload hash differs: the token approves a different payload", verifier.verify(token, swapped, now));
  }

  @Test
  void requestWhosePayloadIsNotJsonCannotBeApproved() {
    TaskRequest approved = chargeRequest();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(approved, "");
    TaskRequest broken = TaskRequest.newBuilder(approved).setPayload("{\"amount\":1200,\"amount\":1}").build();

    TokenVerdict verdict = verifier.verify(token, broken, now);

    assertTrue(verdict.problem().startsWith("request payload cannot be bound to a token: payload is not valid JSON: Duplicate field 'amount'"),
        verdict.problem());
  }

  @Test
  void unknownDecisionEvenIfSigned() {
    TaskRequest request = chargeRequest();
    TokenStatement statement = TokenStatement.of(signer("alice", ALICE_KEYS).approve(request, ""));
    TokenStatement maybe = new TokenStatement(statement.requestId(), statement.tenantId(), statement.flowId(), statement.action(),
        statement.payloadSha256(), statement.approver(), "MAYBE", statement.reason(), statement.issuedAtMillis(),
        statement.expiresAtMillis(), statement.nonce());
    ApprovalToken token = maybe.withSignature(sign(maybe));

    assertInvalid("unknown decision 'MAYBE' (expected APPROVE or REJECT)", verifier.verify(token, request, now));
  }

  @Test
  void registryChangesTakeEffectThroughTheSupplier() {
    TaskRequest request = chargeRequest();
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(request, "");
    ApproverRegistry[] current = {REGISTRY};
    SignedTokenVerifier reloading = new SignedTokenVerifier(() -> current[0], SignedTokenVerifier.DEFAULT_CLOCK_SKEW);

    assertEquals(TokenVerdict.ok(), reloading.verify(token, request, now));
    current[0] = ApproverRegistry.of(ApprovalFixtures.BOB);
    assertInvalid("unknown approver alice", reloading.verify(token, request, now));
  }

  @Test
  void aTokenThatNamesNoFlowIsRefusedInsteadOfMatchingAnyFlow() {
    // Given a genuinely signed token whose flow id is empty
    TaskRequest request = chargeRequest();
    TokenStatement anyFlow = with(TokenStatement.of(signer("alice", ALICE_KEYS).approve(request, "")), "", 0, 0);
    ApprovalToken token = anyFlow.withSignature(sign(anyFlow));

    // When it is checked against the request it otherwise names
    TokenVerdict verdict = verifier.verify(token, request, now);

    // Then it is refused: a token binds to one flow and one request
    assertInvalid("token names no flow: a token binds to one flow and one request", verdict);
  }

  @Test
  void aTokenLivingLongerThanThePolicysMaximumIsRefused() {
    // Given a genuine token its signer made valid for 30 days
    TaskRequest request = chargeRequest();
    ApprovalToken token = signer("alice", ALICE_KEYS).withTtl(Duration.ofDays(30)).approve(request, "");

    // When the gate (default maximum PT1H) checks it while it is still unexpired
    TokenVerdict verdict = verifier.verify(token, request, now);

    // Then it is refused for its lifetime
    assertInvalid("token lives 30d, longer than the policy's maximum token lifetime PT1H", verdict);
  }

  @Test
  void theMaximumLifetimeComesFromThePolicyAndItsLimitIsInclusive() {
    TaskRequest request = chargeRequest();
    ApprovalToken twoHours = signer("alice", ALICE_KEYS).withTtl(Duration.ofHours(2)).approve(request, "");
    ApprovalToken oneHour = signer("alice", ALICE_KEYS).withTtl(Duration.ofHours(1)).approve(request, "");
    SignedTokenVerifier quarterHour = new SignedTokenVerifier(REGISTRY, Duration.ofMinutes(15));

    assertEquals(TokenVerdict.ok(), new SignedTokenVerifier(REGISTRY, Duration.ofHours(24)).verify(twoHours, request, now));
    assertEquals(TokenVerdict.ok(), verifier.verify(oneHour, request, now), "exactly the maximum is allowed");
    assertInvalid("token lives 1h, longer than the policy's maximum token lifetime PT15M", quarterHour.verify(oneHour, request, now));
    assertInvalid("token lives 1h30m, longer than the policy's maximum token lifetime PT1H",
        verifier.verify(signer("alice", ALICE_KEYS).withTtl(Duration.ofMinutes(90)).approve(request, ""), request, now));
  }

  @Test
  void aTokenExpiringNearTheEndOfTimeIsRefusedWithoutTheLifetimeWrappingAround() {
    // Given genuine tokens expiring at Long.MAX_VALUE, one issued now and one issued before 1970,
    // where expires_at - issued_at overflows a long
    TaskRequest request = chargeRequest();
    TokenStatement base = TokenStatement.of(signer("alice", ALICE_KEYS).approve(request, ""));
    TokenStatement fromNow = with(base, base.flowId(), now, Long.MAX_VALUE);
    TokenStatement fromBefore1970 = with(base, base.flowId(), -86_400_000L, Long.MAX_VALUE);

    // When they are checked
    TokenVerdict issuedNow = verifier.verify(fromNow.withSignature(sign(fromNow)), request, now);
    TokenVerdict overflowing = verifier.verify(fromBefore1970.withSignature(sign(fromBefore1970)), request, now);

    // Then both are refused for their lifetime
    assertTrue(issuedNow.problem().startsWith("token lives "), issuedNow.problem());
    assertTrue(issuedNow.problem().endsWith(", longer than the policy's maximum token lifetime PT1H"), issuedNow.problem());
    assertTrue(overflowing.problem().startsWith("token lives "), overflowing.problem());
    assertTrue(overflowing.problem().endsWith(", longer than the policy's maximum token lifetime PT1H"), overflowing.problem());
  }

  @Test
  void aMaximumLifetimeThatIsNotPositiveIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new SignedTokenVerifier(REGISTRY, Duration.ZERO));
  }

  /** {@code statement} with another flow id and, when {@code expiresAt} is not 0, other times. */
  private static TokenStatement with(TokenStatement statement, String flowId, long issuedAt, long expiresAt) {
    return new TokenStatement(statement.requestId(), statement.tenantId(), flowId, statement.action(),
        statement.payloadSha256(), statement.approver(), statement.decision(), statement.reason(),
        expiresAt == 0 ? statement.issuedAtMillis() : issuedAt, expiresAt == 0 ? statement.expiresAtMillis() : expiresAt,
        statement.nonce());
  }

  private static byte[] sign(TokenStatement statement) {
    try {
      java.security.Signature signature = java.security.Signature.getInstance("Ed25519");
      signature.initSign(ALICE_KEYS.getPrivate());
      signature.update(statement.toBytes());
      return signature.sign();
    } catch (java.security.GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }
}
