package io.fabric.schemas.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The bytes a submitter signs to read over HTTP: {@code str("fabric.read.v1") str(method) str(path)
 * str(submitter) i64(at)}, each string length-prefixed. Bound to the one path and a time, so a
 * credential seen in a log reads nothing else and goes stale in minutes.
 */
public final class ReadStatement {
  public static final String LABEL = "fabric.read.v1";
  /** The HTTP authorization scheme: {@code Authorization: Fabric-Ed25519 <submitter>:<epoch millis>:<base64url signature>}. */
  public static final String SCHEME = "Fabric-Ed25519";

  private ReadStatement() {}

  public static byte[] of(String method, String path, String submitter, long at) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    for (String field : new String[] {LABEL, method, path, submitter}) {
      byte[] utf8 = field.getBytes(StandardCharsets.UTF_8);
      for (int shift = 24; shift >= 0; shift -= 8) {
        out.write(utf8.length >>> shift);
      }
      out.write(utf8, 0, utf8.length);
    }
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.write((int) (at >>> shift));
    }
    return out.toByteArray();
  }
}
