package io.fabric.plugins.vendors;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@value #HEADER} scheme of the webhook plugin, modelled on Stripe's webhook signatures:
 * {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}. The timestamp is signed with the
 * body, so a receiver that also checks it is fresh (see {@link #verify}) rejects replays of an old
 * delivery. Receivers in Java can use this class; any language needs only HMAC-SHA256.
 */
public final class WebhookSignature {
  public static final String HEADER = "Fabric-Signature";
  /** How old a signature a receiver accepts by default, as Stripe's libraries do. */
  public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);

  private WebhookSignature() {}

  /** The header value for {@code body} sent at {@code timestamp}. */
  public static String sign(String secret, long timestamp, String body) {
    return "t=" + timestamp + ",v1=" + hmac(secret, timestamp + "." + body);
  }

  /**
   * Whether {@code header} carries a {@code v1} signature of {@code body} by {@code secret} made
   * within {@code tolerance} of {@code now}. Compares in constant time.
   */
  public static boolean verify(String secret, String header, String body, Instant now, Duration tolerance) {
    if (header == null) {
      return false;
    }
    Long timestamp = null;
    String expected = null;
    boolean matched = false;
    for (String part : header.split(",")) {
      String[] pair = part.strip().split("=", 2);
      if (pair.length != 2) {
        continue;
      }
      if (pair[0].equals("t")) {
        try {
          timestamp = Long.parseLong(pair[1]);
        } catch (NumberFormatException e) {
          return false;
        }
        expected = hmac(secret, timestamp + "." + body);
      }
    }
    if (timestamp == null || Math.abs(now.getEpochSecond() - timestamp) > tolerance.toSeconds()) {
      return false;
    }
    for (String part : header.split(",")) {
      String[] pair = part.strip().split("=", 2);
      if (pair.length == 2 && pair[0].equals("v1")) {
        matched |= MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), pair[1].getBytes(StandardCharsets.US_ASCII));
      }
    }
    return matched;
  }

  static String hmac(String secret, String text) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable", e);
    }
  }
}
