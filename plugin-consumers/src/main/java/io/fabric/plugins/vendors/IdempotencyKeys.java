package io.fabric.plugins.vendors;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Fitting the fabric's idempotency keys into the vendors' fields without losing their stability. */
final class IdempotencyKeys {
  private IdempotencyKeys() {}

  /** {@code key} itself when it fits in {@code maxLength} characters, else its SHA-256 (hex), equally stable. */
  static String fit(String key, int maxLength) {
    return key.length() <= maxLength ? key : sha256Hex(key);
  }

  static String sha256Hex(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
