package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.SlowEffectPlugin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Rebalancing is eager (see PluginRuntime#newConsumer), which revokes every partition before the
 * group reassigns them; the flow state of a partition that comes back must not be restored again, or
 * every rebalance would read the whole history of every partition an instance keeps.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class RebalanceRestoreIntegrationTest {
  private FabricHarness fabric;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(SlowEffectPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  @Test
  void aRebalanceRestoresOnlyThePartitionsThatMoveAndTheOthersKeepTheirState() throws Exception {
    // Given one instance that ran 4 one-step flows on every partition
    SlowEffectPlugin plugin = new SlowEffectPlugin(Duration.ofMillis(1));
    PluginRuntime first = fabric.start(plugin, PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.INSTANCE_ID, "a")));
    List<TaskRequest> tasks = new ArrayList<>();
    for (int p = 0; p < fabric.catalog.partitions(); p++) {
      for (int i = 0; i < 4; i++) {
        TaskRequest task = request(fabric.flowIdOnPartition("kept-" + UUID.randomUUID(), p), SlowEffectPlugin.ACTION, "{}", true);
        fabric.send(SlowEffectPlugin.NAME, task);
        tasks.add(task);
      }
    }
    await().atMost(FabricHarness.WAIT).until(() -> tasks.stream()
        .allMatch(t -> fabric.status(t.getRequestId()).map(RequestStatus::getOutcome).orElse("").equals("EXECUTED")));
    assertEquals(fabric.catalog.partitions(), first.flowStateRestores(), "the first instance restored each partition once");

    // When a second instance joins and takes some partitions
    PluginRuntime second = fabric.startWithoutWaiting(plugin, PluginRuntimeConfig.from(Map.of(PluginRuntimeConfig.INSTANCE_ID, "b")));
    await().atMost(FabricHarness.WAIT).until(() -> !second.assignment().isEmpty() && !first.assignment().isEmpty()
        && first.assignment().size() + second.assignment().size() == fabric.catalog.partitions());

    // Then the first instance read nothing again for the partitions it kept, the second restored its own
    Set<TopicPartition> kept = new HashSet<>(first.assignment());
    assertEquals(fabric.catalog.partitions() - second.assignment().size(), kept.size());
    assertEquals(fabric.catalog.partitions(), first.flowStateRestores(), "no partition the first instance kept was restored again");
    assertEquals(second.assignment().size(), second.flowStateRestores(), "the second instance restored the partitions it got");

    // and a kept partition's state is still there: a task for a completed flow on it is skipped, not run again
    int keptPartition = kept.iterator().next().partition();
    TaskRequest done = tasks.stream().filter(t -> fabric.partitionOf(t.getFlowId()) == keptPartition).findFirst().orElseThrow();
    int effects = plugin.effectsByKey.get(done.getIdempotencyKey()).get();
    fabric.send(SlowEffectPlugin.NAME, done);
    TaskRequest probe = request(fabric.flowIdOnPartition("probe-" + UUID.randomUUID(), keptPartition), SlowEffectPlugin.ACTION, "{}", true);
    fabric.send(SlowEffectPlugin.NAME, probe);
    await().atMost(FabricHarness.WAIT).until(() -> fabric.status(probe.getRequestId()).map(RequestStatus::getOutcome).orElse("").equals("EXECUTED"));
    assertEquals(effects, plugin.effectsByKey.get(done.getIdempotencyKey()).get(), "the redelivered step ran no second time");
  }
}
