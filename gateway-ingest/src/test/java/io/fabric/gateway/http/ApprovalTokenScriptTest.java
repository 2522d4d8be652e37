package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/**
 * The console's token script writes the ApprovalToken's Avro single-object header itself: its schema
 * fingerprint must be the current schema's, or every token it makes would fail to decode. (That its
 * tokens equal the Java signer's byte for byte is ConsoleBrowserTest's, in a real browser.)
 */
class ApprovalTokenScriptTest {
  @Test
  void theScriptNamesTheApprovalTokenSchemaThatIsReleased() {
    String script = new String(ConsolePages.read("approval-token.js"), StandardCharsets.UTF_8);
    Matcher constant = Pattern.compile("export const SCHEMA_FINGERPRINT = '([0-9a-f]{16})';").matcher(script);
    assertTrue(constant.find(), "approval-token.js declares SCHEMA_FINGERPRINT");

    long fingerprint = SchemaNormalization.parsingFingerprint64(ApprovalToken.getClassSchema());
    StringBuilder littleEndian = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      littleEndian.append(String.format("%02x", (fingerprint >>> (8 * i)) & 0xff));
    }
    assertEquals(littleEndian.toString(), constant.group(1),
        "ApprovalToken's schema changed: update SCHEMA_FINGERPRINT and the field order in approval-token.js");
  }
}
