package io.fabric.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FieldDigestTest {
  /** Stored claims and spent replays hold these digests: the encoding may never change (values computed independently). */
  @Test
  void theEncodingIsLengthPrefixedAndStable() {
    assertEquals("f2939f903016e5bb29b1e4a61cdbd376220ca03a24180b39995f2d50f2e0a647", FieldDigest.sha256Hex("ab", "c"));
    assertEquals("b534ce16ac9c8b36823f39a395ce8e0e3c7ad9605b82b5444f18cadacd217a5d", FieldDigest.sha256Hex("a", "bc"));
  }
}
