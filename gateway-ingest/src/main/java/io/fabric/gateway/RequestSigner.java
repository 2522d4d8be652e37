package io.fabric.gateway;

import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.identity.ReadStatement;
import io.fabric.schemas.identity.RequestStatement;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Objects;

/**
 * Signs requests as one submitter (an agent, a service, a person), with its Ed25519 key, so the gate
 * can tell who asked and for which tenants it may act. The key pair comes from
 * {@code fabric keys generate --submitter NAME}; the public half goes in the gate's submitter registry.
 */
public final class RequestSigner {
  private final String submitter;
  private final PrivateKey key;

  public RequestSigner(String submitter, PrivateKey key) {
    this.submitter = Objects.requireNonNull(submitter, "submitter");
    this.key = Objects.requireNonNull(key, "key");
  }

  public String submitter() {
    return submitter;
  }

  /** The request named and signed by this submitter (a new record; the argument is unchanged). */
  public TaskRequest sign(TaskRequest request) {
    TaskRequest signed = TaskRequest.newBuilder(request).setSubmitter(submitter).setSubmitterSignature(null).build();
    try {
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initSign(key);
      ed25519.update(RequestStatement.of(signed, submitter));
      signed.setSubmitterSignature(ByteBuffer.wrap(ed25519.sign()));
      return signed;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign as submitter " + submitter + ": " + e.getMessage(), e);
    }
  }

  /** The {@code Authorization} header value that lets this submitter {@code GET path} over the fabric's HTTP API. */
  public String authorization(String method, String path, long nowMillis) {
    try {
      Signature ed25519 = Signature.getInstance("Ed25519");
      ed25519.initSign(key);
      ed25519.update(ReadStatement.of(method, path, submitter, nowMillis));
      return ReadStatement.SCHEME + " " + submitter + ":" + nowMillis + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(ed25519.sign());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign as submitter " + submitter + ": " + e.getMessage(), e);
    }
  }
}
