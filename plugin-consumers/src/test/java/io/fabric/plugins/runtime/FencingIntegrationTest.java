package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.FlakyPlugin;
import io.fabric.plugins.testing.TestPlugins;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A zombie instance (same transactional id as a newer one) stops on its first transaction; the new one takes over. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class FencingIntegrationTest {
  private FabricHarness fabric;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(FlakyPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  @Test
  void aFencedRuntimeStopsAndItsSuccessorFinishesEveryTask() throws Exception {
    FlakyPlugin plugin = new FlakyPlugin(TestPlugins.FAST_RETRIES);
    PluginRuntime zombie = fabric.start(plugin, PluginRuntimeConfig.defaults().withInstanceId("same"));
    PluginRuntime successor = fabric.startWithoutWaiting(plugin, PluginRuntimeConfig.defaults().withInstanceId("same"));
    await().atMost(FabricHarness.WAIT).until(() -> !successor.assignment().isEmpty() && !zombie.assignment().isEmpty()
        && zombie.assignment().size() + successor.assignment().size() == 3);

    List<String> flows = new ArrayList<>();
    for (int p = 0; p < 3; p++) {
      String flow = fabric.flowIdOnPartition("fenced-" + java.util.UUID.randomUUID(), p);
      flows.add(flow);
      fabric.send(FlakyPlugin.NAME, request(flow, "steady_step", "{}", true));
    }

    await().atMost(FabricHarness.WAIT).until(() -> zombie.failure().isPresent());
    assertTrue(PluginRuntime.isFatal(zombie.failure().get()), () -> "fenced, got " + zombie.failure().get());
    // the failure is recorded before the clients close; the loop ends after that
    await().atMost(FabricHarness.WAIT).until(() -> !zombie.isRunning());
    for (String flow : flows) {
      assertEquals(1, fabric.awaitStatus(flow, "COMPLETED").getRevision());
    }
    assertTrue(successor.failure().isEmpty());
    assertEquals(3, successor.assignment().size());
  }
}
