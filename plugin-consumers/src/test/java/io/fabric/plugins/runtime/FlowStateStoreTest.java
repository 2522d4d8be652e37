package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.testing.FabricHarness;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The flow state a runtime keeps in memory, restored from the embedded broker's flows.state. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class FlowStateStoreTest {
  private FabricHarness fabric;
  private KafkaProducer<String, byte[]> producer;
  private final List<FlowStateStore> stores = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of("echo"));
    Map<String, Object> config = fabric.connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void tearDown() {
    stores.forEach(FlowStateStore::close);
    producer.close(Duration.ofSeconds(5));
    fabric.close();
  }

  private FlowStateStore store(int recentlyClosed) {
    FlowStateStore store = new FlowStateStore(fabric.connection, fabric.catalog, ExecutionIntent.topic(fabric.catalog),
        "test-" + UUID.randomUUID(), null, recentlyClosed, FlowStateStore.DEFAULT_CLOSED_RETENTION, Clock.systemUTC());
    stores.add(store);
    return store;
  }

  static FlowCheckpoint checkpoint(String flowId, boolean completes) {
    return FlowCheckpoints.executed(null, request(flowId, "echo", "{}", completes), "echo", Map.of("n", 1), false,
        List.of(ExecutionAttempt.newBuilder().setAttempt(1).setAt(Instant.now().toString()).build()), Revision.now(Instant.now()));
  }

  private void write(String flowId, FlowCheckpoint checkpoint) throws Exception {
    byte[] value = fabric.catalog.flowState.valueSerde().serializer().serialize(fabric.catalog.flowState.name(), checkpoint);
    producer.send(new ProducerRecord<>(fabric.catalog.flowState.name(), fabric.partitionOf(flowId), flowId, value)).get(30, TimeUnit.SECONDS);
  }

  @Test
  void closedFlowsLeaveMemoryButALateStepStillFindsTheirCheckpoint() throws Exception {
    // Given 300 completed flows and 3 running ones on one partition
    List<String> completed = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      String flow = fabric.flowIdOnPartition("done-" + i + "-" + UUID.randomUUID(), 1);
      completed.add(flow);
      write(flow, checkpoint(flow, true));
    }
    List<String> running = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String flow = fabric.flowIdOnPartition("open-" + i + "-" + UUID.randomUUID(), 1);
      running.add(flow);
      write(flow, checkpoint(flow, false));
    }
    // and a completed flow that a replay opened again
    String reopened = completed.remove(0);
    write(reopened, checkpoint(reopened, false));

    // When a store keeping 50 recently closed flows restores the partition
    FlowStateStore store = store(50);
    store.assign(List.of(0, 1, 2));

    // Then only the open flows and the 50 most recent closed ones are held whole; the rest are fingerprints
    FlowStateStore.Footprint footprint = store.footprint();
    assertEquals(4, footprint.openFlows());
    assertEquals(50, footprint.recentlyClosedFlows());
    assertEquals(299, footprint.indexedClosedFlows());
    // and the oldest completed flow, long evicted, still reads as COMPLETED (so its late step is refused as before)
    assertEquals("COMPLETED", store.checkpoint(completed.get(0)).orElseThrow().getStatus());
    assertEquals(1, store.footprint().readThroughs());
    assertEquals("RUNNING", store.checkpoint(reopened).orElseThrow().getStatus());
    assertTrue(store.checkpoint(fabric.flowIdOnPartition("never-seen", 1)).isEmpty());
    assertEquals(1, store.footprint().readThroughs(), "an unknown flow costs no read");
  }

  @Test
  void aRecordThatCannotBeAppliedIsReadAgainNotSkipped() throws Exception {
    // Given a flow checkpoint, then bytes that do not decode, then another checkpoint, on one partition
    String before = fabric.flowIdOnPartition("before-" + UUID.randomUUID(), 2);
    String after = fabric.flowIdOnPartition("after-" + UUID.randomUUID(), 2);
    write(before, checkpoint(before, false));
    producer.send(new ProducerRecord<>(fabric.catalog.flowState.name(), 2, "garbage", "not avro".getBytes(StandardCharsets.UTF_8)))
        .get(30, TimeUnit.SECONDS);
    write(after, checkpoint(after, false));

    // When the store restores it, the bad record fails the restore
    FlowStateStore store = store(10);
    assertThrows(KafkaException.class, () -> store.assign(List.of(2)));

    // Then every later catch-up fails on that record too, instead of returning with what followed it silently missing
    assertThrows(KafkaException.class, store::catchUp);
    assertThrows(KafkaException.class, store::catchUp);
    assertEquals("RUNNING", store.checkpoint(before).orElseThrow().getStatus());
  }
}
