package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.FlakyPlugin;
import io.fabric.plugins.testing.TestPlugins;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts started with the default configuration (no instance id set) share the work instead of
 * fencing each other: before, both used instance "0", one transactional id, and the second fenced the first.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class DefaultInstanceIdIntegrationTest {
  private FabricHarness fabric;
  private final List<PluginHost> hosts = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(FlakyPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    hosts.forEach(PluginHost::close);
    fabric.close();
  }

  @Test
  void twoHostsWithTheDefaultConfigurationBothKeepRunningAndShareTheTasks(@TempDir Path first, @TempDir Path second) throws Exception {
    FlakyPlugin plugin = new FlakyPlugin(TestPlugins.FAST_RETRIES);
    PluginHost a = start(plugin, PluginRuntimeConfig.defaults().withStateDir(first));
    PluginHost b = start(plugin, PluginRuntimeConfig.defaults());
    assertNotEquals(a.instanceId(), b.instanceId());
    PluginRuntime ra = a.runtimes().get(0);
    PluginRuntime rb = b.runtimes().get(0);
    await().atMost(FabricHarness.WAIT).until(() -> !ra.assignment().isEmpty() && !rb.assignment().isEmpty()
        && ra.assignment().size() + rb.assignment().size() == 3);

    List<String> flows = new ArrayList<>();
    List<String> requests = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (int p = 0; p < 3; p++) {
        String flow = fabric.flowIdOnPartition("default-id-" + UUID.randomUUID(), p);
        flows.add(flow);
        requests.add(fabric.send(FlakyPlugin.NAME, request(flow, "steady_step", "{}", true)).getRequest().getRequestId());
      }
    }

    for (String flow : flows) {
      assertEquals(1, fabric.awaitStatus(flow, "COMPLETED").getRevision());
    }
    for (String requestId : requests) {
      assertEquals(1, plugin.effects(requestId), "task " + requestId + " had its effect once");
    }
    // neither was fenced: both still run, own their partitions and recorded no failure
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10)).until(() -> a.healthy() && b.healthy());
    assertTrue(ra.failure().isEmpty() && rb.failure().isEmpty(), () -> "a: " + ra.failure() + ", b: " + rb.failure());
    assertEquals(3, ra.assignment().size() + rb.assignment().size());
  }

  private PluginHost start(FlakyPlugin plugin, PluginRuntimeConfig config) {
    PluginHost host = PluginHost.start(fabric.connection, fabric.catalog, TestPlugins.registry(plugin), config);
    hosts.add(host);
    return host;
  }
}
