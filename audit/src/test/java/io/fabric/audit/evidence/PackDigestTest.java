package io.fabric.audit.evidence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PackDigestTest {
  private static byte[] sealed() {
    ObjectNode pack = PackItems.MAPPER.createObjectNode();
    pack.put("format", EvidenceExporter.FORMAT);
    pack.put("flow_id", "flow-1");
    pack.putArray("items").addObject().put("kind", "audit").put("sha256", "00");
    return PackDigest.seal(pack).getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aSealedPackChecksAndItsDigestIsTheLastMember() {
    byte[] file = sealed();
    assertEquals(Optional.empty(), PackDigest.check(file));
    assertTrue(new String(file, StandardCharsets.UTF_8).matches("(?s).*,\\n  \"pack_sha256\" : \"[0-9a-f]{64}\"\\n}\\n"));
  }

  @Test
  void changingAnySingleByteWhitespaceIncludedFailsTheCheck() {
    byte[] file = sealed();
    for (int i = 0; i < file.length; i++) {
      byte[] changed = file.clone();
      changed[i] = (byte) (changed[i] == ' ' ? '\t' : changed[i] ^ 0x01);
      assertFalse(PackDigest.check(changed).isEmpty(), "byte " + i + " changed");
    }
  }

  @Test
  void aTruncatedOrExtendedFileFails() {
    byte[] file = sealed();
    assertFalse(PackDigest.check(java.util.Arrays.copyOf(file, file.length - 1)).isEmpty());
    assertFalse(PackDigest.check(java.util.Arrays.copyOf(file, file.length + 1)).isEmpty());
  }

  @Test
  void theVerifierReportsTheDigestFailureAndWhatItCannotProve() {
    byte[] file = sealed();
    file[5] ^= 1;
    EvidenceVerifier.Report report = EvidenceVerifier.verify(file);
    assertFalse(report.ok());
    assertFalse(report.cannotProve().isEmpty());
  }
}
