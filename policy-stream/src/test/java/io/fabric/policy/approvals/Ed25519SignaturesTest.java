package io.fabric.policy.approvals;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import org.junit.jupiter.api.Test;

/** The remembered verifications answer only for the exact key, message and signature that verified. */
class Ed25519SignaturesTest {
  private static KeyPair keys() throws Exception {
    return KeyPairGenerator.getInstance(ApproverKeys.ALGORITHM).generateKeyPair();
  }

  private static ByteBuffer sign(KeyPair keys, byte[] message) throws Exception {
    Signature ed25519 = Signature.getInstance(ApproverKeys.ALGORITHM);
    ed25519.initSign(keys.getPrivate());
    ed25519.update(message);
    return ByteBuffer.wrap(ed25519.sign());
  }

  @Test
  void aSignatureThatVerifiedStillVerifiesForItsOwnKeyAndMessageOnly() throws Exception {
    KeyPair alice = keys();
    KeyPair mallory = keys();
    byte[] message = "approve request r-1".getBytes(StandardCharsets.UTF_8);
    ByteBuffer signature = sign(alice, message);

    assertTrue(Ed25519Signatures.valid(alice.getPublic(), message, signature));
    assertTrue(Ed25519Signatures.valid(alice.getPublic(), message.clone(), signature.duplicate()), "again, the same inputs");
    assertFalse(Ed25519Signatures.valid(alice.getPublic(), "approve request r-2".getBytes(StandardCharsets.UTF_8), signature),
        "the remembered signature never answers for another message");
    assertFalse(Ed25519Signatures.valid(mallory.getPublic(), message, signature), "nor for another key");
    assertTrue(Ed25519Signatures.valid(alice.getPublic(), message, signature), "and its own still verifies");
  }

  @Test
  void aMessageChangedAfterItVerifiedIsCheckedAgain() throws Exception {
    KeyPair alice = keys();
    byte[] message = "charge 10".getBytes(StandardCharsets.UTF_8);
    ByteBuffer signature = sign(alice, message);
    assertTrue(Ed25519Signatures.valid(alice.getPublic(), message, signature));

    message[message.length - 1] = '9'; // the caller's array, changed in place: what was remembered is a copy
    assertFalse(Ed25519Signatures.valid(alice.getPublic(), message, signature));
  }

  @Test
  void aBadSignatureIsNeverRemembered() throws Exception {
    KeyPair alice = keys();
    byte[] message = "x".getBytes(StandardCharsets.UTF_8);
    ByteBuffer forged = ByteBuffer.wrap(new byte[64]);
    assertFalse(Ed25519Signatures.valid(alice.getPublic(), message, forged));
    assertFalse(Ed25519Signatures.valid(alice.getPublic(), message, forged));
    assertFalse(Ed25519Signatures.valid(alice.getPublic(), message, ByteBuffer.wrap(new byte[63])), "wrong size");
  }
}
