package io.fabric.sandbox;

import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver that does what receivers should: verify the signature and its age, and process one Idempotency-Key once.
 * It checks the {@value #SIGNATURE_HEADER} scheme ({@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}, as
 * Stripe signs webhooks) with its own code rather than the webhook plugin's, as any receiver in any language would:
 * a signing bug in the plugin then fails here instead of being verified by the same bug.
 */
final class SandboxWebhookReceiver {
  static final String SIGNATURE_HEADER = "Fabric-Signature";
  /** How old a signature the receiver accepts, as Stripe's libraries do. */
  private static final Duration TOLERANCE = Duration.ofMinutes(5);

  private final String secret;
  private final SandboxLedger ledger;
  private final Set<String> seenKeys = new HashSet<>();

  SandboxWebhookReceiver(String secret, SandboxLedger ledger) {
    this.secret = secret;
    this.ledger = ledger;
  }

  synchronized Reply receive(Request request, Matcher path) {
    String signature = request.header(SIGNATURE_HEADER).orElse(null);
    if (!verified(signature, request.body(), Instant.now())) {
      return Reply.json(400, Map.of("error", "invalid_signature", "error_description", "No valid " + SIGNATURE_HEADER
          + " signature for this body"));
    }
    String key = request.header("Idempotency-Key").orElse(null);
    if (key != null && !seenKeys.add(key)) {
      return Reply.json(200, Map.of("received", true, "duplicate", true));
    }
    ledger.effect(VendorSandbox.WEBHOOK);
    return Reply.json(200, Map.of("received", true, "duplicate", false));
  }

  /** Whether {@code header} carries a fresh {@code v1} signature of {@code body}; compares in constant time. */
  private boolean verified(String header, String body, Instant now) {
    if (header == null) {
      return false;
    }
    Long timestamp = null;
    for (String part : header.split(",")) {
      String[] pair = part.strip().split("=", 2);
      if (pair.length == 2 && pair[0].equals("t")) {
        try {
          timestamp = Long.parseLong(pair[1]);
        } catch (NumberFormatException e) {
          return false;
        }
      }
    }
    if (timestamp == null || Math.abs(now.getEpochSecond() - timestamp) > TOLERANCE.toSeconds()) {
      return false;
    }
    byte[] expected = hmac(timestamp + "." + body).getBytes(StandardCharsets.US_ASCII);
    boolean matched = false;
    for (String part : header.split(",")) {
      String[] pair = part.strip().split("=", 2);
      if (pair.length == 2 && pair[0].equals("v1")) {
        matched |= MessageDigest.isEqual(expected, pair[1].getBytes(StandardCharsets.US_ASCII));
      }
    }
    return matched;
  }

  private String hmac(String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
