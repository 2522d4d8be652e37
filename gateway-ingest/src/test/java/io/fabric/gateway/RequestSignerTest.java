package io.fabric.gateway;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.identity.RequestStatement;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import org.junit.jupiter.api.Test;

class RequestSignerTest {
  @Test
  void theFastSignatureIsTheJdksEd25519Signature() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    TaskRequest signed = new RequestSigner("agent", pair.getPrivate()).sign(Submission.of("acme", "summarize").toRequest(1L));

    Signature jdk = Signature.getInstance("Ed25519");
    jdk.initSign(pair.getPrivate());
    jdk.update(RequestStatement.of(signed, "agent"));
    byte[] actual = new byte[64];
    ByteBuffer.wrap(signed.getSubmitterSignature().array()).get(actual);

    assertArrayEquals(jdk.sign(), actual, "Ed25519 is deterministic: both must produce the same bytes");
    Signature verify = Signature.getInstance("Ed25519");
    verify.initVerify(pair.getPublic());
    verify.update(RequestStatement.of(signed, "agent"));
    org.junit.jupiter.api.Assertions.assertTrue(verify.verify(actual));
  }
}
