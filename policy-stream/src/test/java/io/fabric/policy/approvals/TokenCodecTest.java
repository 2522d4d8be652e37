package io.fabric.policy.approvals;

import static io.fabric.policy.approvals.ApprovalFixtures.ALICE_KEYS;
import static io.fabric.policy.approvals.ApprovalFixtures.chargeRequest;
import static io.fabric.policy.approvals.ApprovalFixtures.signer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import io.fabric.policy.approvals.TokenVerifier.InvalidTokenException;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class TokenCodecTest {
  @Test
  void roundTripsAsUrlSafeTextWithTheAvroMarker() throws Exception {
    ApprovalToken token = signer("alice", ALICE_KEYS).approve(chargeRequest(), "ok");

    String encoded = TokenCodec.encode(token);

    assertTrue(encoded.matches("ww[A-Za-z0-9_-]+"), encoded);
    assertEquals(token, TokenCodec.decode(encoded));
    assertEquals(token, TokenCodec.decode("  " + encoded + "\n"));
  }

  @Test
  void refusesWhatIsNotAToken() {
    assertEquals("approval token is empty", assertThrows(InvalidTokenException.class, () -> TokenCodec.decode(" ")).getMessage());
    assertTrue(assertThrows(InvalidTokenException.class, () -> TokenCodec.decode("not a token!")).getMessage()
        .startsWith("approval token is not base64url"));
    String notAvro = Base64.getUrlEncoder().encodeToString("{\"approver\":\"alice\"}".getBytes());
    assertTrue(assertThrows(InvalidTokenException.class, () -> TokenCodec.decode(notAvro)).getMessage()
        .startsWith("approval token is not an encoded ApprovalToken"));
    assertTrue(assertThrows(InvalidTokenException.class, () -> TokenCodec.decode("A".repeat(TokenCodec.MAX_ENCODED_LENGTH + 1)))
        .getMessage().startsWith("approval token is 16385 characters"));
  }

  @Test
  void refusesATruncatedToken() throws Exception {
    String encoded = TokenCodec.encode(signer("alice", ALICE_KEYS).approve(chargeRequest(), "ok"));

    assertThrows(InvalidTokenException.class, () -> TokenCodec.decode(encoded.substring(0, encoded.length() / 2)));
  }
}
