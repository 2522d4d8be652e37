package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceIdentityTest {
  @TempDir
  Path dir;

  @Test
  void theDefaultConfigurationLeavesTheInstanceIdToTheProcess() {
    assertNull(PluginRuntimeConfig.defaults().instanceId());
    assertNull(PluginRuntimeConfig.from(Map.of()).instanceId());
    assertEquals("node-2", PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.INSTANCE_ID, "node-2")).instanceId());
  }

  @Test
  void withoutAStateDirectoryEveryStartGetsAnIdOfItsOwn() {
    try (InstanceIdentity a = InstanceIdentity.acquire(null); InstanceIdentity b = InstanceIdentity.acquire(null)) {
      assertNotEquals(a.id(), b.id());
      assertTrue(a.id().matches("[A-Za-z0-9._-]+"), a.id());
    }
  }

  @Test
  void aRestartOnTheSameStateDirectoryKeepsTheId() throws Exception {
    String first;
    try (InstanceIdentity identity = InstanceIdentity.acquire(dir)) {
      first = identity.id();
    }
    try (InstanceIdentity again = InstanceIdentity.acquire(dir)) {
      assertEquals(first, again.id());
    }
    assertEquals(first, Files.readString(dir.resolve(InstanceIdentity.ID_FILE)).strip());
  }

  @Test
  void aSecondLiveHostOnTheSameDirectoryGetsAnotherIdAndLeavesTheKeptOneAlone() throws Exception {
    try (InstanceIdentity first = InstanceIdentity.acquire(dir)) {
      try (InstanceIdentity second = InstanceIdentity.acquire(dir)) {
        assertNotEquals(first.id(), second.id(), "two live hosts never share a transactional id");
      }
      assertEquals(first.id(), Files.readString(dir.resolve(InstanceIdentity.ID_FILE)).strip());
      try (InstanceIdentity third = InstanceIdentity.acquire(dir)) {
        assertNotEquals(first.id(), third.id(), "closing the second host did not free the first's id");
      }
    }
  }

  @Test
  void anUnreadableKeptIdIsReplaced() throws Exception {
    Files.writeString(dir.resolve(InstanceIdentity.ID_FILE), "not an id!\n");
    try (InstanceIdentity identity = InstanceIdentity.acquire(dir)) {
      assertTrue(identity.id().matches("[A-Za-z0-9._-]+"), identity.id());
      assertEquals(identity.id(), Files.readString(dir.resolve(InstanceIdentity.ID_FILE)).strip());
    }
  }
}
