package io.fabric.policy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * SHA-256 over a list of fields, each preceded by its UTF-8 length (4 bytes, big-endian), so no two
 * different lists share an encoding ("ab","c" vs "a","bc"). The encoding is a contract: stored
 * request-id claims and spent replays hold these digests, and a new version must compute the same.
 */
public final class FieldDigest {
  private FieldDigest() {}

  public static String sha256Hex(String... fields) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    for (String field : fields) {
      byte[] utf8 = field.getBytes(StandardCharsets.UTF_8);
      bytes.write(utf8.length >>> 24);
      bytes.write(utf8.length >>> 16);
      bytes.write(utf8.length >>> 8);
      bytes.write(utf8.length);
      bytes.write(utf8, 0, utf8.length);
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
