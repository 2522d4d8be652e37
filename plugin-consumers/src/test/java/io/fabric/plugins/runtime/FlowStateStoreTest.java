package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
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
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.junit.jupiter.api.io.TempDir;

/** The flow state a runtime keeps in memory, restored from the embedded broker's flows.state. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class FlowStateStoreTest {
  private FabricHarness fabric;
  private KafkaProducer<String, byte[]> producer;
  private final List<FlowStateStore> stores = new ArrayList<>();
  @TempDir
  Path snapshotDir;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of("echo"));
    producer = newProducer();
  }

  private KafkaProducer<String, byte[]> newProducer() {
    Map<String, Object> config = fabric.connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    // One request in flight: the topics were created a moment ago, and a first batch refused with NOT_LEADER_OR_FOLLOWER
    // (the broker had not applied the partition yet) while the next batch was accepted can never be written again: the
    // idempotent producer retries it with OUT_OF_ORDER_SEQUENCE_NUMBER until delivery.timeout.ms expires it (KAFKA-15591;
    // seen here as flows missing from the history, 120 s into the test, in CI and under load)
    config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    return new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
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

  private FlowStateStore snapshotting() {
    FlowStateStore store = new FlowStateStore(fabric.connection, fabric.catalog, ExecutionIntent.topic(fabric.catalog),
        "test-" + UUID.randomUUID(), null, 50, FlowStateStore.DEFAULT_CLOSED_RETENTION, Clock.systemUTC(),
        new FlowStateStore.Snapshots(snapshotDir, Duration.ofHours(1)));
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

  private void writeIntent(String flowId, String intentId, ExecutionIntent intent) throws Exception {
    producer.send(new ProducerRecord<>(ExecutionIntent.topic(fabric.catalog).name(), fabric.partitionOf(flowId), intentId,
        intent == null ? null : intent.toJson().getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
  }

  /**
   * Like {@link #write} without waiting for each record (the producer keeps their order); {@link #flushSent} before
   * reading. Each send is checked there: a send that failed (a timeout under load) must fail the test with its cause,
   * not leave the history short and the counts below mysteriously off.
   */
  private void send(String flowId, FlowCheckpoint checkpoint) {
    byte[] value = fabric.catalog.flowState.valueSerde().serializer().serialize(fabric.catalog.flowState.name(), checkpoint);
    sent.add(producer.send(new ProducerRecord<>(fabric.catalog.flowState.name(), fabric.partitionOf(flowId), flowId, value)));
  }

  private void sendIntent(String flowId, String intentId, ExecutionIntent intent) {
    sent.add(producer.send(new ProducerRecord<>(ExecutionIntent.topic(fabric.catalog).name(), fabric.partitionOf(flowId), intentId,
        intent == null ? null : intent.toJson().getBytes(StandardCharsets.UTF_8))));
  }

  private final List<java.util.concurrent.Future<org.apache.kafka.clients.producer.RecordMetadata>> sent = new ArrayList<>();

  private void flushSent() throws Exception {
    producer.flush();
    for (var future : sent) {
      future.get(30, TimeUnit.SECONDS);
    }
    sent.clear();
  }

  private static ExecutionIntent intent(String flowId, String intentId) {
    return new ExecutionIntent(flowId, intentId, ExecutionIntent.Kind.EXECUTE, "echo", "run", "key-" + intentId, 1, false,
        List.of(), 1_800_000_000_000L, 0);
  }

  /** What a runtime asks the store, for every flow and intent the test wrote. */
  private record Answers(Map<String, java.util.Optional<FlowCheckpoint>> checkpoints, Map<String, java.util.Optional<ExecutionIntent>> intents,
                         int open, int closed, int openIntents) {}

  private static Answers answers(FlowStateStore store, List<String> flows, Map<String, String> intentFlows) {
    Map<String, java.util.Optional<FlowCheckpoint>> checkpoints = new java.util.TreeMap<>();
    flows.forEach(flow -> checkpoints.put(flow, store.checkpoint(flow)));
    Map<String, java.util.Optional<ExecutionIntent>> intents = new java.util.TreeMap<>();
    intentFlows.forEach((intentId, flow) -> intents.put(intentId, store.intent(flow, intentId)));
    FlowStateStore.Footprint footprint = store.footprint();
    return new Answers(checkpoints, intents, footprint.openFlows(), footprint.indexedClosedFlows(), footprint.openIntents());
  }

  /** Flows and intents on every partition, some closed, some open, some reopened, some intents tombstoned; returns records written. */
  private int writeHistory(String round, List<String> flows, Map<String, String> intentFlows) throws Exception {
    int records = 0;
    for (int p = 0; p < 3; p++) {
      for (int i = 0; i < 30; i++) {
        String flow = fabric.flowIdOnPartition(round + "-done-" + i + "-" + UUID.randomUUID(), p);
        flows.add(flow);
        send(flow, checkpoint(flow, false));
        send(flow, checkpoint(flow, true));
        records += 2;
      }
      for (int i = 0; i < 3; i++) {
        String flow = fabric.flowIdOnPartition(round + "-open-" + i + "-" + UUID.randomUUID(), p);
        flows.add(flow);
        send(flow, checkpoint(flow, false));
        String intentId = "req-" + flow;
        intentFlows.put(intentId, flow);
        sendIntent(flow, intentId, intent(flow, intentId));
        records += 2;
      }
      // a step that finished: its intent is tombstoned
      String finished = flows.get(flows.size() - 1);
      sendIntent(finished, "req-" + finished, null);
      records++;
    }
    flushSent();
    return records;
  }

  @Test
  void aRestartFromTheSnapshotReadsOnlyTheTailAndAnswersAsAFullRestoreDoes() throws Exception {
    // Given a history on every partition, restored by a store that writes its snapshot
    List<String> flows = new ArrayList<>();
    Map<String, String> intentFlows = new java.util.TreeMap<>();
    int before = writeHistory("before", flows, intentFlows);
    FlowStateStore first = snapshotting();
    first.assign(List.of(0, 1, 2));
    assertEquals(3, first.snapshot(), "one snapshot per partition");
    assertEquals(0, first.snapshot(), "an unchanged partition is not written again");
    first.close();
    stores.remove(first);

    // and, after it, more history: new flows, an open flow that completes, a closed one reopened, an intent tombstoned
    int tail = writeHistory("after", flows, intentFlows);
    String completesLater = flows.get(30);
    write(completesLater, checkpoint(completesLater, true));
    String reopened = flows.get(0);
    write(reopened, checkpoint(reopened, false));
    writeIntent(completesLater, "req-" + completesLater, null);
    tail += 3;
    // and a transaction that was aborted: a checkpoint and an intent nobody may ever see
    String aborted = fabric.flowIdOnPartition("aborted-" + UUID.randomUUID(), 1);
    flows.add(aborted);
    intentFlows.put("req-" + aborted, aborted);
    Map<String, Object> config = fabric.connection.clientConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "test-aborted-" + UUID.randomUUID());
    try (KafkaProducer<String, byte[]> transactional = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
      transactional.initTransactions();
      transactional.beginTransaction();
      transactional.send(new ProducerRecord<>(fabric.catalog.flowState.name(), 1, aborted,
          fabric.catalog.flowState.valueSerde().serializer().serialize(fabric.catalog.flowState.name(), checkpoint(aborted, false))));
      transactional.send(new ProducerRecord<>(ExecutionIntent.topic(fabric.catalog).name(), 1, "req-" + aborted,
          intent(aborted, "req-" + aborted).toJson().getBytes(StandardCharsets.UTF_8)));
      transactional.flush();
      transactional.abortTransaction();
    }

    // the coordinator writes commit and abort markers after it answered: until they are in, a read_committed
    // reader's end (the last stable offset) lags the log, and a restore would stop short of committed records
    awaitNoOpenTransactions(fabric.catalog.flowState.name(), ExecutionIntent.topic(fabric.catalog).name());

    // When a restarted store loads the snapshots, and another restores everything from the beginning
    FlowStateStore restarted = snapshotting();
    restarted.assign(List.of(0, 1, 2));
    FlowStateStore full = store(50);
    full.assign(List.of(0, 1, 2));

    // Then the restarted one read only the records written after its snapshot
    assertEquals(3, restarted.footprint().partitionsFromSnapshots());
    assertEquals(tail, restarted.footprint().recordsRead(), "records read after the snapshot");
    assertEquals(before + tail, full.footprint().recordsRead(), "the full restore read everything");
    // and both answer every question alike
    Answers expected = answers(full, flows, intentFlows);
    assertEquals(expected, answers(restarted, flows, intentFlows));
    assertEquals("RUNNING", expected.checkpoints().get(reopened).orElseThrow().getStatus());
    assertEquals("COMPLETED", expected.checkpoints().get(completesLater).orElseThrow().getStatus());
    assertTrue(expected.checkpoints().get(aborted).isEmpty() && expected.intents().get("req-" + aborted).isEmpty());
    assertEquals(2 * 3 * 2 - 1, expected.openIntents(), "open intents: 2 rounds x 3 partitions x (3 - 1 tombstoned), minus one");
  }

  @Test
  void aCorruptSnapshotIsIgnoredAndItsPartitionReadFromTheBeginning() throws Exception {
    List<String> flows = new ArrayList<>();
    Map<String, String> intentFlows = new java.util.TreeMap<>();
    int history = writeHistory("only", flows, intentFlows);
    FlowStateStore first = snapshotting();
    first.assign(List.of(0, 1, 2));
    assertEquals(3, first.snapshot());
    first.close();
    stores.remove(first);
    Path file = snapshotDir.resolve("flow-state-1.snapshot");
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length / 2] ^= 1;
    Files.write(file, bytes);

    FlowStateStore restarted = snapshotting();
    restarted.assign(List.of(0, 1, 2));

    assertEquals(2, restarted.footprint().partitionsFromSnapshots());
    assertEquals(history / 3, restarted.footprint().recordsRead(), "partition 1 read from the beginning, nothing else");
    FlowStateStore full = store(50);
    full.assign(List.of(0, 1, 2));
    assertEquals(answers(full, flows, intentFlows), answers(restarted, flows, intentFlows));
  }

  @Test
  void aSnapshotOfATopicSinceCreatedAgainUnderTheSameNameIsIgnored() throws Exception {
    List<String> flows = new ArrayList<>();
    Map<String, String> intentFlows = new java.util.TreeMap<>();
    int history = writeHistory("old", flows, intentFlows);
    FlowStateStore first = snapshotting();
    first.assign(List.of(0, 1, 2));
    assertEquals(3, first.snapshot());
    first.close();
    stores.remove(first);

    // When the snapshots name other topic ids under the same names: what a snapshot taken before
    // flows.state was deleted and created again holds. (Deleting and creating the topics for real made
    // this test wait minutes for the broker's metadata under load; the topic-id rule is what decides.)
    for (int p = 0; p < 3; p++) {
      Path file = snapshotDir.resolve("flow-state-" + p + ".snapshot");
      FlowStateSnapshot taken = FlowStateSnapshot.decode(Files.readAllBytes(file));
      FlowStateSnapshot.Header h = taken.header();
      FlowStateSnapshot.Header foreign = new FlowStateSnapshot.Header(h.partition(), h.partitions(),
          new FlowStateSnapshot.TopicPosition(h.state().topic(), org.apache.kafka.common.Uuid.randomUuid().toString(), h.state().offset()),
          h.intents(), h.caughtUpAtMillis());
      try (java.io.OutputStream out = Files.newOutputStream(file)) {
        new FlowStateSnapshot(foreign, taken.open(), taken.closed(), taken.intents()).encode(out);
      }
    }
    FlowStateStore restarted = snapshotting();
    restarted.assign(List.of(0, 1, 2));

    // Then no snapshot is trusted: everything is read from the topics, and the answers are a full restore's
    assertEquals(0, restarted.footprint().partitionsFromSnapshots());
    assertEquals(history, restarted.footprint().recordsRead());
    FlowStateStore full = store(50);
    full.assign(List.of(0, 1, 2));
    assertEquals(answers(full, flows, intentFlows), answers(restarted, flows, intentFlows));
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

  private void awaitNoOpenTransactions(String... topics) {
    await("every transaction's markers written").atMost(Duration.ofSeconds(60))
        .until(() -> io.fabric.schemas.records.OpenTransactions.in(fabric.connection, List.of(topics)).isEmpty());
  }
}
