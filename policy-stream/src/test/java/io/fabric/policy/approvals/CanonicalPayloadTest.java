package io.fabric.policy.approvals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalPayloadTest {

  @Test
  void keyOrderAndWhitespaceDoNotChangeTheHash() {
    CanonicalPayload compact = CanonicalPayload.of("{\"a\":2,\"b\":1}");
    CanonicalPayload reordered = CanonicalPayload.of("{\"b\":1, \"a\":2}");
    CanonicalPayload spread = CanonicalPayload.of(" {\n  \"b\" : 1 ,\n\t\"a\" :\r\n 2\n}\n");

    assertEquals("{\"a\":2,\"b\":1}", reordered.json());
    assertEquals(compact.sha256Hex(), reordered.sha256Hex());
    assertEquals(compact.sha256Hex(), spread.sha256Hex());
  }

  @Test
  void nestedObjectsAreSortedButArraysKeepTheirOrder() {
    CanonicalPayload payload = CanonicalPayload.of("{\"z\":{\"y\":[3,1,{\"b\":true,\"a\":null}],\"x\":\"s\"},\"a\":[]}");

    assertEquals("{\"a\":[],\"z\":{\"x\":\"s\",\"y\":[3,1,{\"a\":null,\"b\":true}]}}", payload.json());
    assertNotEquals(CanonicalPayload.sha256Of("[1,3]"), CanonicalPayload.sha256Of("[3,1]"));
  }

  @Test
  void hashIsTheHexSha256OfTheCanonicalUtf8Text() {
    // SHA-256 of the three bytes {}
    assertEquals("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", CanonicalPayload.sha256Of("{ }"));
  }

  @Test
  void differentValuesHashDifferently() {
    assertNotEquals(CanonicalPayload.sha256Of("{\"amount\":1200}"), CanonicalPayload.sha256Of("{\"amount\":1201}"));
    assertNotEquals(CanonicalPayload.sha256Of("{\"amount\":1200}"), CanonicalPayload.sha256Of("{\"amount\":\"1200\"}"));
    assertNotEquals(CanonicalPayload.sha256Of("{\"to\":\"+1\"}"), CanonicalPayload.sha256Of("{\"to\":\"+2\"}"));
  }

  @Test
  void numbersAreCanonicalByValue() {
    assertEquals("[1,1,1,100,1.5,-0.25,0,0,12345678901234567890123]",
        CanonicalPayload.of("[1, 1.0, 1e0, 1E2, 1.50, -25e-2, -0, 0.000, 12345678901234567890123]").json());
    assertEquals("[0.1,1E+40]", CanonicalPayload.of("[0.1000, 1e40]").json());
    assertNotEquals(CanonicalPayload.sha256Of("[1.00000000000000000001]"), CanonicalPayload.sha256Of("[1]"));
  }

  @Test
  void stringsAreEscapedMinimallyAndUnicodeIsKept() {
    CanonicalPayload escaped = CanonicalPayload.of("[\"caf\\u00e9 \\ud83d\\ude00 \\/ \\\" \\\\ \\n \\u0001\"]");
    CanonicalPayload raw = CanonicalPayload.of("[\"café 😀 / \\\" \\\\ \\n \\u0001\"]");

    assertEquals("[\"café 😀 / \\\" \\\\ \\n \\u0001\"]", escaped.json());
    assertEquals(escaped.sha256Hex(), raw.sha256Hex());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "{", "{\"a\":1} {\"b\":2}", "{\"a\":1,\"a\":2}", "[1,]", "{'a':1}", "NaN",
      "[\"\\ud800\"]"})
  void refusesTextThatIsNotExactlyOneUnambiguousJsonValue(String notJson) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CanonicalPayload.of(notJson));

    assertTrue(e.getMessage().startsWith("payload "), e.getMessage());
  }

  @Test
  void duplicateKeysAreRefusedWithTheirName() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> CanonicalPayload.of("{\"to\":\"+1\",\"to\":\"+2\"}"));

    assertTrue(e.getMessage().contains("Duplicate field 'to'"), e.getMessage());
  }
}
