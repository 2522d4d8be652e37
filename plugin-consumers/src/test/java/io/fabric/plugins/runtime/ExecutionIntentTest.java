package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric.schemas.topics.TopicCatalog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecutionIntentTest {
  @Test
  void roundTripsThroughJson() {
    ExecutionIntent intent = new ExecutionIntent("f1", "r1", ExecutionIntent.Kind.COMPENSATE, "charge", "charge_card", "k1", 2, true,
        List.of(new ExecutionIntent.Attempt(1, "2025-01-01T00:00:00Z", "x.Y", "boom")), 1234L, 5678L);
    assertEquals(intent, ExecutionIntent.fromJson(intent.toJson()));
  }

  @Test
  void anIntentANewerVersionWroteWithAFieldThisOneDoesNotKnowStillReads() {
    String newer = "{\"flowId\":\"f1\",\"requestId\":\"r1\",\"kind\":\"EXECUTE\",\"plugin\":\"charge\",\"action\":\"a\","
        + "\"idempotencyKey\":\"k\",\"pendingAttempt\":1,\"doubtful\":false,\"attempts\":[{\"attempt\":1,\"at\":\"t\","
        + "\"region\":\"eu\"}],\"at\":5,\"leaseOwner\":\"node-3\"}";
    ExecutionIntent intent = ExecutionIntent.fromJson(newer);
    assertEquals(1, intent.pendingAttempt());
    assertEquals(0, intent.notBefore(), "written before next-attempt times existed: no wait");
  }

  @Test
  void theTopicIsCompactedAndCoPartitionedWithTheCatalog() {
    var topic = ExecutionIntent.topic(TopicCatalog.create("p.", 6, List.of()));
    assertEquals("p.flows.intents", topic.name());
    assertEquals(6, topic.partitions());
    assertEquals(Map.of("cleanup.policy", "compact"), topic.config());
  }

  @Test
  void configReadsItsPrefixedKeysOverTheDefaults() {
    PluginRuntimeConfig config = PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.INSTANCE_ID, "node-2",
        PluginRuntimeConfig.POLL_TIMEOUT_MS, "50", PluginRuntimeConfig.CANARY, "true"));
    assertEquals("node-2", config.instanceId());
    assertEquals(50, config.pollTimeout().toMillis());
    assertEquals(true, config.canary());
    assertEquals(PluginRuntimeConfig.defaults().maxPollRecords(), config.maxPollRecords());
    assertEquals(CrashPoint.NONE, config.crashPoint());
  }

  @Test
  void vendorKeysAreBareUnlessTheOperatorScopesThemToTenants() {
    assertEquals(VendorIdempotencyKey.Mode.BARE, PluginRuntimeConfig.defaults().vendorKeys(), "what older versions sent");
    assertEquals(VendorIdempotencyKey.Mode.TENANT, PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.VENDOR_KEYS, "Tenant")).vendorKeys());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.VENDOR_KEYS, "scoped")));
    assertEquals("fabric.plugin.runtime.vendor.keys must be bare or tenant, got 'scoped'", bad.getMessage());
    assertEquals("order-1", VendorIdempotencyKey.of(VendorIdempotencyKey.Mode.BARE, "acme", "order-1"));
    assertEquals("tenant:acme:order-1", VendorIdempotencyKey.of(VendorIdempotencyKey.Mode.TENANT, "acme", "order-1"));
  }

  @Test
  void configTakesThePollIntervalAndTheWorstCaseCall() {
    PluginRuntimeConfig defaults = PluginRuntimeConfig.defaults();
    assertEquals(Duration.ofMinutes(5), defaults.maxPollInterval());
    assertEquals(null, defaults.worstCaseCall(), "the plugin's own declaration by default");
    io.fabric.plugins.testing.SlowEffectPlugin slow = new io.fabric.plugins.testing.SlowEffectPlugin(Duration.ofSeconds(10));
    assertEquals(Duration.ofSeconds(12), defaults.worstCaseCallOf(slow));
    PluginRuntimeConfig config = PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.MAX_POLL_INTERVAL_MS, "60000",
        PluginRuntimeConfig.WORST_CASE_CALL_MS, "30000"));
    assertEquals(Duration.ofMinutes(1), config.maxPollInterval());
    assertEquals(Duration.ofSeconds(30), config.worstCaseCallOf(slow), "the operator's setting wins");
    assertThrows(IllegalArgumentException.class, () -> PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.MAX_POLL_INTERVAL_MS, "0")));
    assertThrows(IllegalArgumentException.class, () -> PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.WORST_CASE_CALL_MS, "0")));
  }

  @Test
  void snapshotsAreOffUnlessAStateDirIsGivenAndNoneTurnsThemOff() {
    assertEquals(null, PluginRuntimeConfig.defaults().stateDir());
    PluginRuntimeConfig config = PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.STATE_DIR, "/var/lib/fabric/plugins",
        PluginRuntimeConfig.SNAPSHOT_INTERVAL_MS, "5000"));
    assertEquals(java.nio.file.Path.of("/var/lib/fabric/plugins"), config.stateDir());
    assertEquals(5_000, config.snapshotInterval().toMillis());
    assertEquals(null, PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.STATE_DIR, "none")).stateDir());
  }
}
