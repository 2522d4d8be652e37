package io.fabric.policy.approvals;

import static io.fabric.policy.approvals.ApprovalFixtures.ALICE_KEYS;
import static io.fabric.policy.approvals.ApprovalFixtures.CLOCK;
import static io.fabric.policy.approvals.ApprovalFixtures.chargeRequest;
import static io.fabric.policy.approvals.ApprovalFixtures.signer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.TokenVerifier.TokenVerdict;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenSignerTest {
  @Test
  void signsThePendingRequestFieldsAsTheCliSeesThem() {
    ApprovalSubject subject = ApprovalSubject.of("req-1", "acme", "flow-req-1", "create_charge",
        "{\"customer\":\"c-9\",\"currency\":\"EUR\",\"amount\":1200}");

    ApprovalToken token = signer("alice", ALICE_KEYS).sign(subject, ApprovalDecision.APPROVE, null);

    assertEquals(TokenVerdict.ok(), new SignedTokenVerifier(ApprovalFixtures.REGISTRY).verify(token, chargeRequest(), CLOCK.millis()));
    assertEquals("alice", token.getApprover());
    assertEquals("APPROVE", token.getDecision());
    assertEquals("", token.getReason());
  }

  @Test
  void aRejectionNeedsAReason() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> signer("alice", ALICE_KEYS).reject(chargeRequest(), "  "));

    assertEquals("a rejection needs a reason", e.getMessage());
  }

  @Test
  void refusesAPayloadThatIsNotJson() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ApprovalSubject.of("req-1", "acme", "f", "create_charge", "amount=1200"));

    assertTrue(e.getMessage().startsWith("payload is not valid JSON: Unrecognized token 'amount'"), e.getMessage());
  }

  @Test
  void refusesANonPositiveTtlAndKeysOfOtherAlgorithms() throws Exception {
    TokenSigner alice = signer("alice", ALICE_KEYS);
    java.security.PrivateKey rsa = java.security.KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate();

    assertThrows(IllegalArgumentException.class, () -> alice.withTtl(Duration.ZERO));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new TokenSigner("alice", rsa));
    assertEquals("signing key is RSA, not Ed25519", e.getMessage());
  }

  @Test
  void signerFixesIssueTimeTtlAndAFreshNonce() {
    TokenSigner alice = signer("alice", ALICE_KEYS).withTtl(Duration.ofMinutes(15));
    ApprovalToken first = alice.approve(chargeRequest(), " fine ");
    ApprovalToken second = alice.approve(chargeRequest(), "fine");

    assertEquals(CLOCK.millis(), first.getIssuedAt());
    assertEquals(CLOCK.millis() + Duration.ofMinutes(15).toMillis(), first.getExpiresAt());
    assertEquals("fine", first.getReason());
    assertEquals("flow-req-1", first.getFlowId());
    assertEquals(CanonicalPayload.sha256Of(chargeRequest().getPayload()), first.getPayloadSha256());
    assertEquals(22, first.getNonce().length());
    assertNotEquals(first.getNonce(), second.getNonce(), "each token has its own nonce");
  }

  @Test
  void aSubjectWithoutAFlowNamesTheFlowTheGatewayStartsForTheRequest() {
    // Given a pending request submitted without a flow id, so the gateway named its flow after it
    TaskRequest request = ApprovalFixtures.request("req-5", "acme", "create_charge", "{\"amount\":5}");
    request.setFlowId("req-5");

    // When an approver signs it knowing no flow id
    ApprovalToken token = signer("alice", ALICE_KEYS)
        .sign(ApprovalSubject.of("req-5", "acme", null, "create_charge", "{\"amount\":5}"), ApprovalDecision.APPROVE, "");

    // Then the token names that flow and verifies
    assertEquals("req-5", token.getFlowId());
    assertEquals(TokenVerdict.ok(), new SignedTokenVerifier(ApprovalFixtures.REGISTRY).verify(token, request, CLOCK.millis()));
  }
}
