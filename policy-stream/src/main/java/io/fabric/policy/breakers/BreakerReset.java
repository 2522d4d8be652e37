package io.fabric.policy.breakers;

import java.nio.charset.StandardCharsets;

/**
 * A signed request to lift one trip, written by {@code fabric breakers reset} under key
 * {@code reset:SCOPE}. It counts only when its signature verifies with a registered approver's key,
 * that approver may reset breakers for the trip's tenant, and it names the trip in force
 * ({@link BreakerResetVerifier}); anything else on the topic lifts nothing.
 */
public record BreakerReset(String scope, String tripId, String approver, String reason, long issuedAt, String signature) {
  public static final String TYPE = "RESET";

  /** The exact bytes signed: a domain tag and every field but the signature, one per line. */
  public byte[] statement() {
    return String.join("\n", "fabric.breaker-reset/v1", scope, tripId, approver, Long.toString(issuedAt), reason == null ? "" : reason)
        .getBytes(StandardCharsets.UTF_8);
  }

  public BreakerReset withSignature(String base64) {
    return new BreakerReset(scope, tripId, approver, reason, issuedAt, base64);
  }
}
