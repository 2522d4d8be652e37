package io.fabric.plugins.runtime;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The latest checkpoint of every flow, and the open intents, on the task partitions a runtime owns,
 * read from {@code flows.state} (keyed by flow id) and {@code flows.intents} (keyed by intent id,
 * written to the flow's partition), so partition p of each holds the flows of task partition p. Restored when partitions are assigned and caught up before
 * each batch, because other plugins' runtimes checkpoint the same flows; the runtime's own commits
 * are applied at once. Values are kept with their offset and only a later offset replaces one, so
 * applying our own write and later reading it back cannot go backwards.
 *
 * <p>Writes the runtime has staged for its next transaction but not committed yet are kept apart
 * and shadow the committed values, so the next task of the same flow sees them; a commit moves them
 * in with their offsets, an abort drops them.
 *
 * <p>Used by the runtime thread only.
 */
final class FlowStateStore implements AutoCloseable {
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);

  private record Versioned<V>(V value, long offset) {}

  private final String stateTopic;
  private final String intentTopic;
  private final Deserializer<FlowCheckpoint> checkpoints;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<Integer, Map<String, Versioned<FlowCheckpoint>>> state = new HashMap<>();
  private final Map<Integer, Map<String, Versioned<ExecutionIntent>>> intents = new HashMap<>();
  private final int partitions;
  private final Map<String, Optional<FlowCheckpoint>> stagedState = new HashMap<>();
  private final Map<String, Optional<ExecutionIntent>> stagedIntents = new HashMap<>();

  FlowStateStore(KafkaConnection connection, TopicCatalog catalog, TopicSpec<String, String> intentTopic, String clientId) {
    this.stateTopic = catalog.flowState.name();
    this.intentTopic = intentTopic.name();
    this.partitions = catalog.partitions();
    AvroSerde<FlowCheckpoint> serde = AvroSerde.of(FlowCheckpoint.class);
    serde.configure(connection.clientConfig(), false);
    this.checkpoints = serde;
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * Fails fast unless the task topic, {@code flows.state} and {@code flows.intents} exist with the
   * catalog's partition count: Kafka does not check co-partitioning, and a mismatch would silently
   * hand a task a stranger's state.
   */
  void verifyCoPartitioned(String taskTopic) {
    for (String topic : List.of(taskTopic, stateTopic, intentTopic)) {
      List<PartitionInfo> info = consumer.partitionsFor(topic, CATCH_UP_TIMEOUT);
      if (info == null || info.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist: create the catalog's topics first");
      }
      if (info.size() != partitions) {
        throw new IllegalStateException("topic " + topic + " has " + info.size() + " partitions but the catalog expects " + partitions
            + ": task, flows.state and flows.intents topics must be co-partitioned");
      }
    }
  }

  /** Starts tracking these partitions: restores them from the beginning. */
  void assign(Collection<Integer> added) {
    Set<Integer> all = new HashSet<>(state.keySet());
    all.addAll(added);
    List<TopicPartition> fresh = new ArrayList<>();
    for (int p : added) {
      if (!state.containsKey(p)) {
        state.put(p, new HashMap<>());
        intents.put(p, new HashMap<>());
        fresh.add(new TopicPartition(stateTopic, p));
        fresh.add(new TopicPartition(intentTopic, p));
      }
    }
    consumer.assign(topicPartitions(all));
    consumer.seekToBeginning(fresh);
    catchUp();
  }

  void revoke(Collection<Integer> removed) {
    clearStaged();
    removed.forEach(p -> {
      state.remove(p);
      intents.remove(p);
    });
    consumer.assign(topicPartitions(state.keySet()));
  }

  /** Reads every committed record up to the current end (the last stable offset). */
  void catchUp() {
    Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      return;
    }
    Map<TopicPartition, Long> end = consumer.endOffsets(assigned, CATCH_UP_TIMEOUT);
    long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
    while (assigned.stream().anyMatch(tp -> consumer.position(tp, CATCH_UP_TIMEOUT) < end.get(tp))) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("flow state not caught up within " + CATCH_UP_TIMEOUT + " on " + assigned);
      }
      for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100))) {
        // flows.state is keyed by flow id, flows.intents by intent (request) id
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (key == null) {
          continue;
        }
        if (record.topic().equals(stateTopic)) {
          FlowCheckpoint checkpoint = record.value() == null ? null : checkpoints.deserialize(record.topic(), record.value());
          put(state, record.partition(), key, checkpoint, record.offset());
        } else {
          ExecutionIntent intent = record.value() == null ? null
              : ExecutionIntent.fromJson(new String(record.value(), StandardCharsets.UTF_8));
          put(intents, record.partition(), key, intent, record.offset());
        }
      }
    }
  }

  Optional<FlowCheckpoint> checkpoint(String flowId) {
    Optional<FlowCheckpoint> staged = stagedState.get(flowId);
    return staged != null ? staged : get(state, flowId);
  }

  /** The open intent {@code intentId} of a flow, looked up in the flow's partition. */
  Optional<ExecutionIntent> intent(String flowId, String intentId) {
    Map<String, Versioned<ExecutionIntent>> open = owned(intents, flowId);
    Optional<ExecutionIntent> staged = stagedIntents.get(intentId);
    if (staged != null) {
      return staged;
    }
    Versioned<ExecutionIntent> versioned = open.get(intentId);
    return versioned == null ? Optional.empty() : Optional.ofNullable(versioned.value());
  }

  /** Whether the flow's partition is one this runtime owns (tasks keyed by flow id with the default partitioner always are). */
  boolean owns(String flowId) {
    return state.containsKey(partitionOf(flowId));
  }

  /** A checkpoint written in the transaction being prepared: visible at once, committed by {@link #ownCheckpoint}. */
  void stageCheckpoint(String flowId, FlowCheckpoint checkpoint) {
    stagedState.put(flowId, Optional.ofNullable(checkpoint));
  }

  /** An intent (null: its tombstone) written in the transaction being prepared. */
  void stageIntent(String intentId, ExecutionIntent intent) {
    stagedIntents.put(intentId, Optional.ofNullable(intent));
  }

  /** After a commit (whose writes went through {@link #ownCheckpoint}/{@link #ownIntent}) or an abort. */
  void clearStaged() {
    stagedState.clear();
    stagedIntents.clear();
  }

  void ownCheckpoint(String flowId, FlowCheckpoint checkpoint, long offset) {
    put(state, partitionOf(flowId), flowId, checkpoint, offset);
  }

  void ownIntent(String flowId, String intentId, ExecutionIntent intent, long offset) {
    put(intents, partitionOf(flowId), intentId, intent, offset);
  }

  int partitionOf(String flowId) {
    return LatestByKeyReader.partitionFor(flowId, partitions);
  }

  private <V> Optional<V> get(Map<Integer, Map<String, Versioned<V>>> byPartition, String flowId) {
    Versioned<V> versioned = owned(byPartition, flowId).get(flowId);
    return versioned == null ? Optional.empty() : Optional.ofNullable(versioned.value());
  }

  private <V> Map<String, Versioned<V>> owned(Map<Integer, Map<String, Versioned<V>>> byPartition, String flowId) {
    Map<String, Versioned<V>> byKey = byPartition.get(partitionOf(flowId));
    if (byKey == null) {
      throw new IllegalStateException("flow " + flowId + " is on partition " + partitionOf(flowId) + ", which this runtime does not own");
    }
    return byKey;
  }

  private static <V> void put(Map<Integer, Map<String, Versioned<V>>> byPartition, int partition, String key, V value, long offset) {
    Map<String, Versioned<V>> byKey = byPartition.get(partition);
    if (byKey == null) {
      return;
    }
    Versioned<V> current = byKey.get(key);
    if (current == null || current.offset() < offset) {
      byKey.put(key, new Versioned<>(value, offset));
    }
  }

  private List<TopicPartition> topicPartitions(Collection<Integer> partitionNumbers) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p : partitionNumbers) {
      tps.add(new TopicPartition(stateTopic, p));
      tps.add(new TopicPartition(intentTopic, p));
    }
    return tps;
  }

  @Override
  public void close() {
    consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
  }
}
