package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeysTest {
  @TempDir
  Path dir;

  @Test
  void aKeyIsFoundByItsDigestAndTheFileHoldsNoKey() throws Exception {
    String key = ApiKeys.newKey();
    Path file = dir.resolve("api-keys.yaml");
    Files.writeString(file, "keys:\n" + ApiKeys.entry("acme-billing", Set.of("acme"), key) + "\n");

    ApiKeys keys = ApiKeys.load(file);

    assertEquals(new Caller("acme-billing", Set.of("acme")), keys.find(key).orElseThrow());
    assertTrue(keys.find(ApiKeys.newKey()).isEmpty());
    assertFalse(Files.readString(file).contains(key));
  }

  @Test
  void aBadEntryIsRefusedWithItsPlace() throws Exception {
    Path file = dir.resolve("bad.yaml");
    Files.writeString(file, "keys:\n  - { sha256: abc, name: x, tenants: [acme] }\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ApiKeys.load(file));
    assertTrue(e.getMessage().contains("keys[0]"), e.getMessage());
  }
}
