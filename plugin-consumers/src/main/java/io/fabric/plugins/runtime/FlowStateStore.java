package io.fabric.plugins.runtime;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.plugins.flows.FlowStatus;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest checkpoint of every flow still open, and the open intents, on the task partitions a
 * runtime owns, read from {@code flows.state} (keyed by flow id) and {@code flows.intents} (keyed by
 * intent id, written to the flow's partition), so partition p of each holds the flows of task
 * partition p. Restored when partitions are assigned (only those: the runtime keeps the state of the
 * partitions a rebalance gives back, so it restores the partitions it adds and keeps the others) and caught up
 * before each batch, because other plugins' runtimes checkpoint the same flows; the runtime's own
 * commits are applied at once. Values are kept with their offset and only a later offset replaces
 * one, so applying our own write and later reading it back cannot go backwards.
 *
 * <p>Memory follows the flows in progress, not every flow ever seen: a closed flow (COMPLETED,
 * FAILED, ROLLED_BACK, COMPENSATION_FAILED) keeps its checkpoint only in a bounded LRU of recently
 * closed flows, and otherwise only a fingerprint and the checkpoint's offset ({@link ClosedFlowIndex}),
 * from which a late step of that flow reads the checkpoint back, so it is refused exactly as before.
 * A closed flow is forgotten after the closed-flow retention (30 days, the policy's retention of
 * flow owners, after which a flow id may be used again).
 *
 * <p>Writes the runtime has staged for its next transaction but not committed yet are kept apart
 * and shadow the committed values, so the next task of the same flow sees them; a commit moves them
 * in with their offsets, an abort drops them.
 *
 * <p>With a snapshot directory, the store writes what it holds of each partition to a local file
 * ({@link FlowStateSnapshot}) at consistent points: after a complete catch-up, with nothing
 * staged, at most once per snapshot interval, on a clean close and when a partition is revoked. A partition assigned later
 * loads its snapshot, if {@link SnapshotValidity} accepts it, and reads only the records after it;
 * otherwise it is read from the beginning as without a snapshot.
 *
 * <p>Used by the runtime thread only.
 */
final class FlowStateStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FlowStateStore.class);
  private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(30);
  /** Recently closed flows whose checkpoints stay in memory (a late step of one needs no read). */
  static final int DEFAULT_RECENTLY_CLOSED = 10_000;
  /** How long a closed flow is remembered: the policy's default retention of flow owners. */
  static final Duration DEFAULT_CLOSED_RETENTION = Duration.ofDays(30);

  private record Versioned<V>(V value, long offset) {}

  /** What one owned partition holds. */
  private static final class Owned {
    final Map<String, Versioned<FlowCheckpoint>> open = new HashMap<>();
    final ClosedFlowIndex closed = new ClosedFlowIndex();
    final Map<String, Versioned<ExecutionIntent>> intents = new HashMap<>();
    /** Bumped by every change, so an unchanged partition is not written again. */
    long changes;
    long changesInSnapshot = -1;
    long stateOffsetInSnapshot = -1;
    long intentOffsetInSnapshot = -1;
  }

  /**
   * Where and how often the store keeps snapshots; {@link #NONE} for none.
   *
   * @param dir this runtime's own directory (two runtimes never share one)
   * @param interval the least time between two snapshots of the store
   */
  record Snapshots(Path dir, Duration interval) {
    static final Snapshots NONE = new Snapshots(null, Duration.ZERO);

    boolean enabled() {
      return dir != null;
    }
  }

  /** Ids and {@code delete.retention.ms} of the two topics, as the cluster says now. */
  private record TopicFacts(Map<String, String> ids, Duration deleteRetention) {}

  private final String stateTopic;
  private final String intentTopic;
  private final Deserializer<FlowCheckpoint> checkpoints;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Map<String, Object> readerConfig;
  private KafkaConsumer<byte[], byte[]> reader;
  private final Map<Integer, Owned> owned = new HashMap<>();
  private final LinkedHashMap<String, Versioned<FlowCheckpoint>> recentlyClosed;
  private final int recentlyClosedLimit;
  private final Duration closedRetention;
  private final Clock clock;
  private final int partitions;
  private final Map<String, Optional<FlowCheckpoint>> stagedState = new HashMap<>();
  private final Map<String, Optional<ExecutionIntent>> stagedIntents = new HashMap<>();
  private long readThroughs;
  /** How many times a partition's state was rebuilt (from its snapshot or the beginning) (written by the runtime thread, read by tests). */
  private volatile int restores;
  private long recordsRead;
  private int partitionsFromSnapshots;

  private final Snapshots snapshotSettings;
  private final FlowStateSnapshotFiles snapshotFiles;
  private final Map<String, Object> adminConfig;
  private Admin admin;
  private AvroSerde<FlowCheckpoint> snapshotEncoder;
  private TopicFacts topicFacts;
  private long nextSnapshotNanos = System.nanoTime();
  /** The positions after the last complete catch-up: every committed record before them is applied. Empty after a failed one. */
  private final Map<TopicPartition, Long> caughtUp = new HashMap<>();
  /** When the last complete catch-up started: every record after {@link #caughtUp} became readable after it. */
  private long caughtUpAtMillis;

  FlowStateStore(KafkaConnection connection, TopicCatalog catalog, TopicSpec<String, String> intentTopic, String clientId) {
    this(connection, catalog, intentTopic, clientId, Snapshots.NONE);
  }

  FlowStateStore(KafkaConnection connection, TopicCatalog catalog, TopicSpec<String, String> intentTopic, String clientId,
                 Snapshots snapshots) {
    this(connection, catalog, intentTopic, clientId, null, DEFAULT_RECENTLY_CLOSED, DEFAULT_CLOSED_RETENTION, Clock.systemUTC(), snapshots);
  }

  FlowStateStore(KafkaConnection connection, TopicCatalog catalog, TopicSpec<String, String> intentTopic, String clientId,
                 Deserializer<FlowCheckpoint> decoder, int recentlyClosedLimit, Duration closedRetention, Clock clock) {
    this(connection, catalog, intentTopic, clientId, decoder, recentlyClosedLimit, closedRetention, clock, Snapshots.NONE);
  }

  /** {@code decoder} null: the catalog's Avro serde (a test passes its own to inject a failure). */
  FlowStateStore(KafkaConnection connection, TopicCatalog catalog, TopicSpec<String, String> intentTopic, String clientId,
                 Deserializer<FlowCheckpoint> decoder, int recentlyClosedLimit, Duration closedRetention, Clock clock,
                 Snapshots snapshots) {
    this.stateTopic = catalog.flowState.name();
    this.intentTopic = intentTopic.name();
    this.partitions = catalog.partitions();
    if (decoder == null) {
      AvroSerde<FlowCheckpoint> serde = AvroSerde.of(FlowCheckpoint.class);
      serde.configure(connection.clientConfig(), false);
      decoder = serde;
    }
    this.checkpoints = decoder;
    this.recentlyClosedLimit = recentlyClosedLimit;
    this.closedRetention = closedRetention;
    this.clock = clock;
    this.recentlyClosed = new LinkedHashMap<>(16, 0.75f, true);
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    this.readerConfig = new HashMap<>(config);
    this.readerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-closed");
    this.readerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
    this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.snapshotSettings = snapshots == null ? Snapshots.NONE : snapshots;
    this.snapshotFiles = snapshotSettings.enabled() ? new FlowStateSnapshotFiles(snapshotSettings.dir()) : null;
    this.adminConfig = connection.clientConfig();
    this.adminConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-admin");
    if (snapshotFiles != null) {
      try {
        snapshotFiles.deleteLeftovers();
      } catch (IOException e) {
        log.warn("flow state snapshots in {}: cannot remove leftover temporary files: {}", snapshotFiles.dir(), e.toString());
      }
    }
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

  /**
   * Starts tracking these partitions: restores the ones not tracked yet, from their snapshot and the
   * records after it when there is a valid one, else from the beginning; the others are kept.
   */
  void assign(Collection<Integer> added) {
    Set<Integer> all = new HashSet<>(owned.keySet());
    all.addAll(added);
    List<Integer> fresh = new ArrayList<>();
    for (int p : added) {
      if (!owned.containsKey(p)) {
        owned.put(p, new Owned());
        restores++;
        fresh.add(p);
      }
    }
    consumer.assign(topicPartitions(all));
    Map<TopicPartition, Long> fromSnapshots = fresh.isEmpty() || snapshotFiles == null ? Map.of() : loadSnapshots(fresh);
    List<TopicPartition> fromBeginning = new ArrayList<>(topicPartitions(fresh));
    fromBeginning.removeAll(fromSnapshots.keySet());
    consumer.seekToBeginning(fromBeginning);
    fromSnapshots.forEach(consumer::seek);
    catchUp();
  }

  /**
   * Loads the valid snapshots of these (new, empty) partitions; returns where to read on from.
   * A partition whose snapshot is missing, unreadable or refused is left empty, to be read from the beginning.
   */
  private Map<TopicPartition, Long> loadSnapshots(List<Integer> fresh) {
    Map<TopicPartition, Long> seeks = new HashMap<>();
    List<TopicPartition> tps = topicPartitions(fresh);
    TopicFacts facts;
    Map<TopicPartition, Long> start;
    Map<TopicPartition, Long> end;
    try {
      facts = describeTopics();
      start = consumer.beginningOffsets(tps, CATCH_UP_TIMEOUT);
      end = consumer.endOffsets(tps, CATCH_UP_TIMEOUT);
    } catch (KafkaException e) {
      log.warn("flow state snapshots not used ({}): partitions {} are read from the beginning", e.toString(), fresh);
      return seeks;
    }
    for (int p : fresh) {
      FlowStateSnapshot snapshot;
      try {
        byte[] bytes = snapshotFiles.read(p);
        if (bytes == null) {
          log.info("flow state partition {}: no snapshot in {}; reading it from the beginning", p, snapshotFiles.dir());
          continue;
        }
        snapshot = FlowStateSnapshot.decode(bytes);
      } catch (IOException | FlowStateSnapshot.CorruptSnapshotException e) {
        log.warn("flow state partition {}: snapshot {} ignored, reading from the beginning: {}", p, snapshotFiles.file(p), e.getMessage());
        continue;
      }
      TopicPartition state = new TopicPartition(stateTopic, p);
      TopicPartition intents = new TopicPartition(intentTopic, p);
      SnapshotValidity.Expected expected = new SnapshotValidity.Expected(p, partitions,
          new SnapshotValidity.Log(stateTopic, facts.ids().get(stateTopic), start.get(state), end.get(state)),
          new SnapshotValidity.Log(intentTopic, facts.ids().get(intentTopic), start.get(intents), end.get(intents)),
          clock.millis(), facts.deleteRetention().dividedBy(2));
      Optional<String> rejection = SnapshotValidity.rejection(snapshot.header(), expected);
      if (rejection.isPresent()) {
        log.warn("flow state partition {}: snapshot {} ignored, reading from the beginning: {}", p, snapshotFiles.file(p), rejection.get());
        continue;
      }
      try {
        load(owned.get(p), snapshot);
      } catch (RuntimeException e) {
        owned.put(p, new Owned());
        log.warn("flow state partition {}: snapshot {} ignored, reading from the beginning: {}", p, snapshotFiles.file(p), e.toString());
        continue;
      }
      seeks.put(state, snapshot.header().state().offset());
      seeks.put(intents, snapshot.header().intents().offset());
      partitionsFromSnapshots++;
      log.info("flow state partition {}: loaded its snapshot ({} open, {} closed flows, {} intents); reading on from offsets {}/{}",
          p, snapshot.open().size(), snapshot.closed().size(), snapshot.intents().size(), snapshot.header().state().offset(),
          snapshot.header().intents().offset());
    }
    return seeks;
  }

  private void load(Owned partition, FlowStateSnapshot snapshot) {
    for (FlowStateSnapshot.OpenFlow flow : snapshot.open()) {
      partition.open.put(flow.flowId(), new Versioned<>(checkpoints.deserialize(stateTopic, flow.checkpoint()), flow.offset()));
    }
    partition.closed.putAll(snapshot.closed(), clock.millis() - closedRetention.toMillis());
    for (FlowStateSnapshot.Intent intent : snapshot.intents()) {
      partition.intents.put(intent.intentId(),
          new Versioned<>(intent.json() == null ? null : ExecutionIntent.fromJson(intent.json()), intent.offset()));
    }
    partition.changesInSnapshot = partition.changes;
    partition.stateOffsetInSnapshot = snapshot.header().state().offset();
    partition.intentOffsetInSnapshot = snapshot.header().intents().offset();
  }

  /**
   * Writes the snapshots of the changed partitions when the interval since the last ones has
   * passed; called by the runtime at points where nothing is staged. Never throws: a snapshot that
   * cannot be written only makes the next restore read more.
   */
  void snapshotIfDue() {
    if (snapshotFiles == null || System.nanoTime() - nextSnapshotNanos < 0) {
      return;
    }
    nextSnapshotNanos = System.nanoTime() + snapshotSettings.interval().toNanos();
    snapshot();
  }

  /**
   * Writes the snapshot of every partition that changed since its last one, if the store is at a
   * consistent point (a complete catch-up, nothing staged); returns how many were written.
   */
  int snapshot() {
    return snapshotFiles == null ? 0 : writeSnapshots(owned.keySet());
  }

  private int writeSnapshots(Collection<Integer> partitionNumbers) {
    if (!stagedState.isEmpty() || !stagedIntents.isEmpty() || caughtUp.isEmpty()) {
      return 0;
    }
    if (topicFacts == null) {
      try {
        describeTopics();
      } catch (KafkaException e) {
        log.warn("flow state snapshots not written to {}: {}", snapshotFiles.dir(), e.toString());
        return 0;
      }
    }
    int written = 0;
    for (int p : partitionNumbers) {
      Owned partition = owned.get(p);
      try {
        if (partition != null && snapshot(p, partition)) {
          written++;
        }
      } catch (IOException | RuntimeException e) {
        log.warn("flow state partition {}: snapshot not written to {}: {}", p, snapshotFiles.dir(), e.toString());
      }
    }
    return written;
  }

  private boolean snapshot(int p, Owned partition) throws IOException {
    Long stateOffset = caughtUp.get(new TopicPartition(stateTopic, p));
    Long intentOffset = caughtUp.get(new TopicPartition(intentTopic, p));
    if (stateOffset == null || intentOffset == null) {
      return false;
    }
    if (partition.changes == partition.changesInSnapshot && stateOffset == partition.stateOffsetInSnapshot
        && intentOffset == partition.intentOffsetInSnapshot) {
      return false;
    }
    long started = System.nanoTime();
    if (snapshotEncoder == null) {
      snapshotEncoder = AvroSerde.of(FlowCheckpoint.class);
    }
    List<FlowStateSnapshot.OpenFlow> open = new ArrayList<>(partition.open.size());
    partition.open.forEach((flowId, v) -> open.add(new FlowStateSnapshot.OpenFlow(flowId, v.offset(),
        snapshotEncoder.serialize(stateTopic, v.value()))));
    List<FlowStateSnapshot.Intent> intents = new ArrayList<>(partition.intents.size());
    partition.intents.forEach((intentId, v) -> intents.add(new FlowStateSnapshot.Intent(intentId, v.offset(),
        v.value() == null ? null : v.value().toJson())));
    FlowStateSnapshot snapshot = new FlowStateSnapshot(
        new FlowStateSnapshot.Header(p, partitions,
            new FlowStateSnapshot.TopicPosition(stateTopic, topicFacts.ids().get(stateTopic), stateOffset),
            new FlowStateSnapshot.TopicPosition(intentTopic, topicFacts.ids().get(intentTopic), intentOffset),
            caughtUpAtMillis),
        open, partition.closed.entries(), intents);
    long bytes = snapshotFiles.write(snapshot);
    partition.changesInSnapshot = partition.changes;
    partition.stateOffsetInSnapshot = stateOffset;
    partition.intentOffsetInSnapshot = intentOffset;
    log.debug("flow state partition {}: snapshot of {} open, {} closed flows, {} intents at {}/{} written ({} bytes, {} ms)", p,
        open.size(), snapshot.closed().size(), intents.size(), stateOffset, intentOffset, bytes, (System.nanoTime() - started) / 1_000_000);
    return true;
  }

  /** The two topics' ids and the shorter of their {@code delete.retention.ms}, from the cluster. */
  private TopicFacts describeTopics() {
    if (admin == null) {
      admin = Admin.create(adminConfig);
    }
    try {
      Map<String, TopicDescription> topics = admin.describeTopics(List.of(stateTopic, intentTopic)).allTopicNames()
          .get(CATCH_UP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      Map<String, String> ids = new HashMap<>();
      topics.forEach((name, description) -> ids.put(name, description.topicId().toString()));
      List<ConfigResource> resources = List.of(new ConfigResource(ConfigResource.Type.TOPIC, stateTopic),
          new ConfigResource(ConfigResource.Type.TOPIC, intentTopic));
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all()
          .get(CATCH_UP_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      long retention = Long.MAX_VALUE;
      for (Config config : configs.values()) {
        var entry = config.get(TopicConfig.DELETE_RETENTION_MS_CONFIG);
        retention = Math.min(retention, entry == null || entry.value() == null ? 0 : Long.parseLong(entry.value()));
      }
      TopicFacts facts = new TopicFacts(Map.copyOf(ids), Duration.ofMillis(retention));
      topicFacts = facts;
      return facts;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new org.apache.kafka.common.errors.InterruptException(e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new KafkaException("cannot describe " + stateTopic + " and " + intentTopic + ": " + e.getMessage(), e);
    }
  }

  /** Stops tracking these partitions, after a snapshot of them if the store is at a consistent point, so they come back quickly. */
  void revoke(Collection<Integer> removed) {
    if (snapshotFiles != null) {
      writeSnapshots(removed);
    }
    clearStaged();
    removed.forEach(owned::remove);
    for (int p : removed) {
      caughtUp.remove(new TopicPartition(stateTopic, p));
      caughtUp.remove(new TopicPartition(intentTopic, p));
    }
    recentlyClosed.keySet().removeIf(flowId -> removed.contains(partitionOf(flowId)));
    consumer.assign(topicPartitions(owned.keySet()));
  }

  /**
   * Reads every committed record up to the current end (the last stable offset). A record that
   * cannot be applied stops the catch-up with the consumer put back on it, so the next catch-up
   * reads it again instead of skipping it and everything fetched after it.
   */
  void catchUp() {
    Set<TopicPartition> assigned = consumer.assignment();
    if (assigned.isEmpty()) {
      return;
    }
    caughtUp.clear();
    long startedAt = clock.millis();
    Map<TopicPartition, Long> end = consumer.endOffsets(assigned, CATCH_UP_TIMEOUT);
    long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
    long minTime = clock.millis() - closedRetention.toMillis();
    while (assigned.stream().anyMatch(tp -> consumer.position(tp, CATCH_UP_TIMEOUT) < end.get(tp))) {
      if (System.nanoTime() > deadline) {
        throw new TimeoutException("flow state not caught up within " + CATCH_UP_TIMEOUT + " on " + assigned);
      }
      ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
      recordsRead += records.count();
      for (TopicPartition tp : records.partitions()) {
        List<ConsumerRecord<byte[], byte[]>> batch = records.records(tp);
        for (ConsumerRecord<byte[], byte[]> record : batch) {
          try {
            apply(record, minTime);
          } catch (RuntimeException e) {
            // the consumer is already past the whole batch: put every partition back on its first unapplied record
            rewindTo(records, tp, record.offset());
            throw e instanceof KafkaException ? e : new SerializationException("flow state record " + record.topic() + "-"
                + record.partition() + "@" + record.offset() + " could not be applied: " + e, e);
          }
        }
      }
    }
    pruneTombstones();
    for (TopicPartition tp : assigned) {
      caughtUp.put(tp, consumer.position(tp, CATCH_UP_TIMEOUT));
    }
    caughtUpAtMillis = startedAt;
  }

  private void rewindTo(ConsumerRecords<byte[], byte[]> records, TopicPartition failed, long failedOffset) {
    boolean after = false;
    for (TopicPartition tp : records.partitions()) {
      if (tp.equals(failed)) {
        consumer.seek(tp, failedOffset);
        after = true;
      } else if (after) {
        // partitions after the failing one were not applied at all
        consumer.seek(tp, records.records(tp).get(0).offset());
      }
    }
  }

  private void apply(ConsumerRecord<byte[], byte[]> record, long minTime) {
    // flows.state is keyed by flow id, flows.intents by intent (request) id
    String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
    if (key == null) {
      return;
    }
    if (record.topic().equals(stateTopic)) {
      FlowCheckpoint checkpoint = record.value() == null ? null : checkpoints.deserialize(record.topic(), record.value());
      putCheckpoint(record.partition(), key, checkpoint, record.offset(), record.timestamp(), minTime);
    } else {
      ExecutionIntent intent = record.value() == null ? null
          : ExecutionIntent.fromJson(new String(record.value(), StandardCharsets.UTF_8));
      putIntent(record.partition(), key, intent, record.offset());
    }
  }

  Optional<FlowCheckpoint> checkpoint(String flowId) {
    Optional<FlowCheckpoint> staged = stagedState.get(flowId);
    if (staged != null) {
      return staged;
    }
    Owned partition = owned(flowId);
    Versioned<FlowCheckpoint> open = partition.open.get(flowId);
    if (open != null) {
      return Optional.of(open.value());
    }
    Versioned<FlowCheckpoint> recent = recentlyClosed.get(flowId);
    if (recent != null) {
      return Optional.of(recent.value());
    }
    long offset = partition.closed.offset(ClosedFlowIndex.fingerprint(flowId));
    return offset < 0 ? Optional.empty() : readClosed(flowId, offset);
  }

  /** A closed flow that came back (a late step, a replay, a rollback): its checkpoint, read from its offset. */
  private Optional<FlowCheckpoint> readClosed(String flowId, long offset) {
    if (reader == null) {
      reader = new KafkaConsumer<>(readerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
    TopicPartition tp = new TopicPartition(stateTopic, partitionOf(flowId));
    reader.assign(List.of(tp));
    reader.seek(tp, offset);
    readThroughs++;
    long deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      for (ConsumerRecord<byte[], byte[]> record : reader.poll(Duration.ofMillis(100))) {
        if (record.offset() < offset) {
          continue;
        }
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        if (record.offset() > offset || !flowId.equals(key) || record.value() == null) {
          // a fingerprint shared with another flow, or a record compacted away: this flow is not known
          log.warn("flow {}: the closed checkpoint expected at {}@{} is not there ({}); treated as unknown", flowId, tp, offset,
              key == null ? "tombstone" : "key " + key);
          return Optional.empty();
        }
        FlowCheckpoint checkpoint = checkpoints.deserialize(record.topic(), record.value());
        remember(flowId, new Versioned<>(checkpoint, offset));
        return Optional.of(checkpoint);
      }
    }
    throw new TimeoutException("closed checkpoint of flow " + flowId + " not read within " + CATCH_UP_TIMEOUT + " at " + tp + "@" + offset);
  }

  /** The committed checkpoints of the open (running, rolling back) flows of an owned partition; empty for another partition. */
  List<FlowCheckpoint> openCheckpoints(int partitionNumber) {
    Owned partition = owned.get(partitionNumber);
    return partition == null ? List.of() : partition.open.values().stream().map(Versioned::value).toList();
  }

  /** The open intent {@code intentId} of a flow, looked up in the flow's partition. */
  Optional<ExecutionIntent> intent(String flowId, String intentId) {
    Map<String, Versioned<ExecutionIntent>> open = owned(flowId).intents;
    Optional<ExecutionIntent> staged = stagedIntents.get(intentId);
    if (staged != null) {
      return staged;
    }
    Versioned<ExecutionIntent> versioned = open.get(intentId);
    return versioned == null ? Optional.empty() : Optional.ofNullable(versioned.value());
  }

  /** Whether the flow's partition is one this runtime owns (tasks keyed by flow id with the default partitioner always are). */
  boolean owns(String flowId) {
    return owned.containsKey(partitionOf(flowId));
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
  int restores() {
    return restores;
  }

  void clearStaged() {
    stagedState.clear();
    stagedIntents.clear();
  }

  void ownCheckpoint(String flowId, FlowCheckpoint checkpoint, long offset) {
    long now = clock.millis();
    putCheckpoint(partitionOf(flowId), flowId, checkpoint, offset, now, now - closedRetention.toMillis());
  }

  void ownIntent(String flowId, String intentId, ExecutionIntent intent, long offset) {
    putIntent(partitionOf(flowId), intentId, intent, offset);
  }

  int partitionOf(String flowId) {
    return LatestByKeyReader.partitionFor(flowId, partitions);
  }

  /** What the store holds now, for tests and the benchmark. */
  record Footprint(int openFlows, int recentlyClosedFlows, int indexedClosedFlows, long indexBytes, int openIntents, long readThroughs,
                   long recordsRead, int partitionsFromSnapshots) {}

  Footprint footprint() {
    int open = 0;
    int indexed = 0;
    long bytes = 0;
    int intents = 0;
    for (Owned partition : owned.values()) {
      open += partition.open.size();
      indexed += partition.closed.size();
      bytes += partition.closed.footprintBytes();
      intents += partition.intents.size();
    }
    return new Footprint(open, recentlyClosed.size(), indexed, bytes, intents, readThroughs, recordsRead, partitionsFromSnapshots);
  }

  private Owned owned(String flowId) {
    Owned partition = owned.get(partitionOf(flowId));
    if (partition == null) {
      throw new IllegalStateException("flow " + flowId + " is on partition " + partitionOf(flowId) + ", which this runtime does not own");
    }
    return partition;
  }

  private void putCheckpoint(int partitionNumber, String flowId, FlowCheckpoint checkpoint, long offset, long time, long minTime) {
    Owned partition = owned.get(partitionNumber);
    if (partition == null) {
      return;
    }
    long fingerprint = ClosedFlowIndex.fingerprint(flowId);
    Versioned<FlowCheckpoint> open = partition.open.get(flowId);
    Versioned<FlowCheckpoint> recent = recentlyClosed.get(flowId);
    long current = Math.max(partition.closed.offset(fingerprint),
        Math.max(open == null ? -1 : open.offset(), recent == null ? -1 : recent.offset()));
    if (current >= offset) {
      return;
    }
    partition.changes++;
    if (checkpoint != null && isOpen(checkpoint)) {
      partition.open.put(flowId, new Versioned<>(checkpoint, offset));
      recentlyClosed.remove(flowId);
      partition.closed.remove(fingerprint);
      return;
    }
    partition.open.remove(flowId);
    recentlyClosed.remove(flowId);
    if (checkpoint == null || time < minTime) {
      // a tombstone, or closed longer ago than the retention: forgotten
      partition.closed.remove(fingerprint);
      return;
    }
    partition.closed.put(fingerprint, offset, time, minTime);
    remember(flowId, new Versioned<>(checkpoint, offset));
  }

  private void remember(String flowId, Versioned<FlowCheckpoint> closed) {
    recentlyClosed.put(flowId, closed);
    if (recentlyClosed.size() > recentlyClosedLimit) {
      Iterator<String> eldest = recentlyClosed.keySet().iterator();
      eldest.next();
      eldest.remove();
    }
  }

  /** Running or rolling back: the flows whose checkpoints are always in memory. */
  private static boolean isOpen(FlowCheckpoint checkpoint) {
    FlowStatus status = FlowStatus.of(checkpoint);
    return status == FlowStatus.RUNNING || status == FlowStatus.ROLLING_BACK;
  }

  private void putIntent(int partitionNumber, String intentId, ExecutionIntent intent, long offset) {
    Owned partition = owned.get(partitionNumber);
    if (partition == null) {
      return;
    }
    Versioned<ExecutionIntent> current = partition.intents.get(intentId);
    if (current == null || current.offset() < offset) {
      partition.intents.put(intentId, new Versioned<>(intent, offset));
      partition.changes++;
    }
  }

  /**
   * A tombstoned intent stays (with its offset) only until the catch-up consumer is past it: from
   * then on no older record of that intent can be read again, so it may go.
   */
  private void pruneTombstones() {
    for (Map.Entry<Integer, Owned> entry : owned.entrySet()) {
      long position = consumer.position(new TopicPartition(intentTopic, entry.getKey()), CATCH_UP_TIMEOUT);
      if (entry.getValue().intents.values().removeIf(v -> v.value() == null && v.offset() < position)) {
        entry.getValue().changes++;
      }
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
    if (reader != null) {
      reader.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
    if (admin != null) {
      admin.close(Duration.ofSeconds(5));
    }
  }
}
