package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.RoutedTask;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.flows.RollbackRequests;
import io.fabric.plugins.testing.EchoPlugin;
import io.fabric.plugins.testing.FabricHarness;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rollback request and the checkpoint it was planned from are on different partitions (task topic
 * and flows.state), so a runtime can see the request first (the commit markers of one transaction
 * reach its partitions one by one). It must wait for the checkpoint, not drop the rollback.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class RollbackBeforeCheckpointIntegrationTest {
  private FabricHarness fabric;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(EchoPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  @Test
  void aRollbackVisibleBeforeItsCheckpointWaitsForItInsteadOfBeingDropped() throws Exception {
    // Given a running flow's checkpoint that the runtime cannot see yet, and the rollback planned from it, already on the task topic
    String flow = "flow-" + UUID.randomUUID();
    FlowCheckpoint checkpoint = FlowCheckpoints.executed(null, request(flow, EchoPlugin.ACTION, "{}", false), EchoPlugin.NAME,
        Map.of("n", 1), false, List.of(ExecutionAttempt.newBuilder().setAttempt(1).setAt(Instant.now().toString()).build()),
        Revision.now(Instant.now()));
    RoutedTask rollback = RollbackRequests.create(checkpoint, "test", "test", null, System.currentTimeMillis());
    PluginRuntime runtime = fabric.start(new EchoPlugin(), PluginRuntimeConfig.defaults());
    try (KafkaProducer<String, byte[]> producer = producer()) {
      byte[] task = fabric.catalog.pluginTasks(EchoPlugin.NAME).valueSerde().serializer().serialize("x", rollback);
      producer.send(new ProducerRecord<>(fabric.catalog.pluginTasks(EchoPlugin.NAME).name(), flow, task)).get(30, TimeUnit.SECONDS);

      // When the runtime has had the rollback in hand for a while, it has not consumed it (each check opens an Admin
      // client, a second or more on a loaded machine: a tight atMost would fail a hold that was never broken)
      int partition = fabric.partitionOf(flow);
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30))
          .until(() -> fabric.committedOffset(runtime.groupId(), runtime.taskTopic(), partition) < 1);

      // and once the checkpoint appears, the rollback runs
      byte[] state = fabric.catalog.flowState.valueSerde().serializer().serialize("x", checkpoint);
      producer.send(new ProducerRecord<>(fabric.catalog.flowState.name(), partition, flow, state)).get(30, TimeUnit.SECONDS);
    }
    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");
    assertEquals(2, end.getRevision());
  }

  private KafkaProducer<String, byte[]> producer() {
    Map<String, Object> config = fabric.connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }
}
