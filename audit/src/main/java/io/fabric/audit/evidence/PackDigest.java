package io.fabric.audit.evidence;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.audit.chain.ChainHash;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The pack digest: SHA-256 of every byte of the file before its last member, which is
 * {@code "pack_sha256" : "<hex>"} followed by exactly {@code \n}\n}. Computed over the bytes as written (not
 * over parsed JSON), so a change of any single byte, whitespace included, fails the check.
 */
final class PackDigest {
  static final String MEMBER = "  \"pack_sha256\" : \"";
  private static final byte[] MARKER = ("\n" + MEMBER).getBytes(StandardCharsets.US_ASCII);
  private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

  private PackDigest() {}

  static String seal(ObjectNode pack) {
    String body;
    try {
      body = PackItems.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(pack);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the pack: " + e.getMessage(), e);
    }
    if (!body.endsWith("\n}")) {
      throw new IllegalStateException("unexpected JSON layout");
    }
    String prefix = body.substring(0, body.length() - 2) + ",\n";
    String digest = ChainHash.hex(ChainHash.sha256(prefix.getBytes(StandardCharsets.UTF_8)));
    return prefix + MEMBER + digest + "\"\n}\n";
  }

  /** The problem with the file's digest, or empty when every byte is as sealed. */
  static Optional<String> check(byte[] file) {
    int at = lastIndexOf(file, MARKER);
    if (at < 0) {
      return Optional.of("no pack_sha256 member at the end of the file");
    }
    int hexStart = at + MARKER.length;
    if (file.length < hexStart + 64) {
      return Optional.of("the file ends inside pack_sha256");
    }
    String stated = new String(file, hexStart, 64, StandardCharsets.US_ASCII);
    if (!HEX64.matcher(stated).matches()) {
      return Optional.of("pack_sha256 is not 64 lowercase hex digits");
    }
    byte[] tail = Arrays.copyOfRange(file, at + 1, file.length);
    byte[] expectedTail = (MEMBER + stated + "\"\n}\n").getBytes(StandardCharsets.US_ASCII);
    if (!Arrays.equals(tail, expectedTail)) {
      return Optional.of("the bytes after pack_sha256 are not exactly `\"`, newline, `}`, newline");
    }
    byte[] prefix = Arrays.copyOfRange(file, 0, at + 1);
    String actual = ChainHash.hex(ChainHash.sha256(prefix));
    if (!actual.equals(stated)) {
      return Optional.of("SHA-256 of the file before pack_sha256 is " + actual + ", the pack states " + stated);
    }
    return Optional.empty();
  }

  private static int lastIndexOf(byte[] haystack, byte[] needle) {
    for (int i = haystack.length - needle.length; i >= 0; i--) {
      boolean match = true;
      for (int j = 0; j < needle.length && match; j++) {
        match = haystack[i + j] == needle[j];
      }
      if (match) {
        return i;
      }
    }
    return -1;
  }
}
