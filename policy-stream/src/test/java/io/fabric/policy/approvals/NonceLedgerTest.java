package io.fabric.policy.approvals;

import static io.fabric.policy.approvals.ApprovalFixtures.ALICE_KEYS;
import static io.fabric.policy.approvals.ApprovalFixtures.BOB_KEYS;
import static io.fabric.policy.approvals.ApprovalFixtures.chargeRequest;
import static io.fabric.policy.approvals.ApprovalFixtures.signer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import io.fabric.policy.approvals.TokenVerifier.TokenVerdict;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NonceLedgerTest {
  @Test
  void aTokenWorksOnceAndItsReplayIsRefused() {
    Set<String> used = new HashSet<>();
    NonceLedger ledger = NonceLedger.over(used);
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(chargeRequest(), "");

    TokenVerdict first = ledger.claim(token);
    TokenVerdict replay = ledger.claim(token);

    assertEquals(TokenVerdict.ok(), first);
    assertEquals(TokenVerdict.invalid("replayed token: nonce " + token.getNonce()
        + " of approver alice was already used, and a token works once"), replay);
    assertEquals(Set.of("alice/" + token.getNonce()), used);
  }

  @Test
  void theReplayIsRefusedEvenWhenTheTokenIsStillValid() {
    NonceLedger ledger = NonceLedger.over(new HashSet<>());
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(chargeRequest(), "");
    SignedTokenVerifier verifier = new SignedTokenVerifier(ApprovalFixtures.REGISTRY);
    long now = ApprovalFixtures.NOW.toEpochMilli();

    assertTrue(verifier.verify(token, chargeRequest(), now).valid());
    assertTrue(ledger.claim(token).valid());
    assertTrue(verifier.verify(token, chargeRequest(), now).valid());
    assertFalse(ledger.claim(token).valid());
  }

  @Test
  void recordsTheExpiryThroughTheStoreFunctionsSoTheStoreCanForgetIt() {
    Map<String, Long> store = new HashMap<>();
    NonceLedger ledger = new NonceLedger(store::containsKey, store::put);
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(chargeRequest(), "");

    assertFalse(ledger.isUsed(token));
    ledger.claim(token);

    assertTrue(ledger.isUsed(token));
    assertEquals(Map.of(NonceLedger.keyOf(token), token.getExpiresAt()), store);
  }

  @Test
  void oneApproverCannotBurnAnotherApproversNonce() {
    NonceLedger ledger = NonceLedger.over(new HashSet<>());
    ApprovalToken alices = signer("alice", ALICE_KEYS).approve(chargeRequest(), "");
    ApprovalToken bobsCopy = ApprovalToken.newBuilder(signer("bob", BOB_KEYS).approve(chargeRequest(), ""))
        .setNonce(alices.getNonce())
        .build();

    assertTrue(ledger.claim(bobsCopy).valid());
    assertTrue(ledger.claim(alices).valid());
  }
}
