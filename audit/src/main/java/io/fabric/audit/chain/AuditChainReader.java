package io.fabric.audit.chain;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.KafkaConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a chain topic as it is on the broker: every committed record of every partition, from the
 * earliest retained offset to the end at call time, as raw bytes, so a verifier sees exactly what is
 * stored (and an undecodable record is reported, not skipped).
 */
public final class AuditChainReader {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);
  private static final AvroSerde<ChainedAuditEvent> CHAINED = AvroSerde.of(ChainedAuditEvent.class);
  private static final AvroSerde<AuditEvent> EVENTS = AvroSerde.of(AuditEvent.class);

  /** One stored record. */
  public record StoredRecord(int partition, long offset, byte[] key, byte[] value, long timestamp) {
    /** The chained record; throws when the bytes are not one. */
    public ChainedAuditEvent chained() {
      return CHAINED.deserialize("audit chain", value);
    }
  }

  /** What a topic held at read time: its partitions (empty ones too) and their records, partition by partition in offset order. */
  public record Snapshot(List<Integer> partitions, List<StoredRecord> records) {}

  private AuditChainReader() {}

  /** Every record of {@code topic}, partition by partition, each in offset order. */
  public static Snapshot readAll(KafkaConnection connection, String topic) {
    List<StoredRecord> records = new ArrayList<>();
    List<Integer> partitions = forEach(connection, topic, records::add);
    records.sort(Comparator.comparingInt(StoredRecord::partition).thenComparingLong(StoredRecord::offset));
    return new Snapshot(partitions, records);
  }

  /**
   * Hands every record of {@code topic} to {@code sink} as it is read, each partition in offset order (partitions
   * interleaved), keeping none: a chain kept forever outgrows any heap. Gives up only after a poll interval with no
   * progress, not after a fixed time. Returns the topic's partitions.
   */
  public static List<Integer> forEach(KafkaConnection connection, String topic, java.util.function.Consumer<StoredRecord> sink) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "fabric-audit-reader");
    config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic, TIMEOUT);
      if (partitions == null || partitions.isEmpty()) {
        throw new IllegalStateException("topic " + topic + " does not exist: run `fabric topics apply` first");
      }
      List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
          .sorted(Comparator.comparingInt(TopicPartition::partition)).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, TIMEOUT);
      long deadline = System.nanoTime() + TIMEOUT.toNanos() * 8;
      while (tps.stream().anyMatch(tp -> consumer.position(tp, TIMEOUT) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic + ": no progress for " + TIMEOUT.multipliedBy(8).toSeconds() + " s");
        }
        ConsumerRecords<byte[], byte[]> polled = consumer.poll(Duration.ofMillis(200));
        if (!polled.isEmpty()) {
          deadline = System.nanoTime() + TIMEOUT.toNanos() * 8;
        }
        for (ConsumerRecord<byte[], byte[]> r : polled) {
          if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
            sink.accept(new StoredRecord(r.partition(), r.offset(), r.key(), r.value(), r.timestamp()));
          }
        }
      }
      return tps.stream().map(TopicPartition::partition).toList();
    }
  }

  /** Walks every partition of {@code topic} and reports each (empty partitions included). */
  public static List<ChainVerifier.PartitionReport> verify(KafkaConnection connection, String topic) {
    boolean keptForever = keptForever(connection, topic);
    Map<Integer, ChainVerifier> verifiers = new java.util.TreeMap<>();
    List<Integer> partitions = forEach(connection, topic,
        r -> verifiers.computeIfAbsent(r.partition(), p -> new ChainVerifier(p, keptForever)).accept(r.offset(), r.value()));
    return partitions.stream().map(p -> verifiers.computeIfAbsent(p, q -> new ChainVerifier(q, keptForever)).finish()).toList();
  }

  /** Walks the given records (offset order per partition) of the given partitions. */
  public static List<ChainVerifier.PartitionReport> verify(List<StoredRecord> records, List<Integer> partitions) {
    return verify(records, partitions, false);
  }

  /**
   * Per partition whose log end lies past its last stable offset, that stable offset: the records from it on are
   * in a transaction not yet committed or aborted, which a read_committed reader (verify, export) cannot see yet.
   * A writer that leaves one open (the sequencer's own, or anyone's who may write the topic) hides the rest of the
   * partition until the broker aborts it (transaction.timeout.ms, at most transaction.max.timeout.ms).
   */
  public static Map<Integer, Long> openTransactionsFrom(KafkaConnection connection, String topic) {
    return io.fabric.schemas.records.OpenTransactions.in(connection, topic);
  }

  /** Whether {@code topic} deletes nothing by time or size, so only deleteRecords can move a partition's start. */
  static boolean keptForever(KafkaConnection connection, String topic) {
    ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    try (Admin admin = Admin.create(connection.clientConfig())) {
      Config config = admin.describeConfigs(List.of(resource)).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(resource);
      return "-1".equals(config.get(TopicConfig.RETENTION_MS_CONFIG).value()) && "-1".equals(config.get(TopicConfig.RETENTION_BYTES_CONFIG).value())
          && !config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value().contains(TopicConfig.CLEANUP_POLICY_COMPACT);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot describe " + topic + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static List<ChainVerifier.PartitionReport> verify(List<StoredRecord> records, List<Integer> partitions, boolean keptForever) {
    List<ChainVerifier.PartitionReport> reports = new ArrayList<>();
    for (int partition : partitions) {
      ChainVerifier verifier = new ChainVerifier(partition, keptForever);
      records.stream().filter(r -> r.partition() == partition).forEach(r -> verifier.accept(r.offset(), r.value()));
      reports.add(verifier.finish());
    }
    return reports;
  }

  /**
   * The records of a live topic at given offsets, read_committed, for {@code fabric evidence verify --against-kafka}.
   * One consumer serves every look-up; close it after.
   */
  public static final class LiveReader implements io.fabric.audit.evidence.LiveRecordCheck.LiveRecords, AutoCloseable {
    private final KafkaConsumer<byte[], byte[]> consumer;

    public LiveReader(KafkaConnection connection) {
      Map<String, Object> config = connection.clientConfig();
      config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      config.put(ConsumerConfig.CLIENT_ID_CONFIG, "fabric-evidence-reader");
      config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 1);
      this.consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    @Override
    public io.fabric.audit.evidence.LiveRecordCheck.Live at(String topic, int partition, long offset) {
      TopicPartition tp = new TopicPartition(topic, partition);
      if (consumer.partitionsFor(topic, TIMEOUT).stream().noneMatch(p -> p.partition() == partition)) {
        return new io.fabric.audit.evidence.LiveRecordCheck.Live.Absent();
      }
      consumer.assign(List.of(tp));
      long start = consumer.beginningOffsets(List.of(tp), TIMEOUT).get(tp);
      long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
      if (offset < start) {
        return new io.fabric.audit.evidence.LiveRecordCheck.Live.NotRetained(start);
      }
      if (offset >= end) {
        return new io.fabric.audit.evidence.LiveRecordCheck.Live.Absent();
      }
      consumer.seek(tp, offset);
      long deadline = System.nanoTime() + TIMEOUT.toNanos();
      while (consumer.position(tp, TIMEOUT) <= offset && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          if (r.offset() == offset) {
            return new io.fabric.audit.evidence.LiveRecordCheck.Live.Found(r.value());
          }
          if (r.offset() > offset) {
            return new io.fabric.audit.evidence.LiveRecordCheck.Live.Absent();
          }
        }
      }
      return new io.fabric.audit.evidence.LiveRecordCheck.Live.Absent();
    }

    @Override
    public void close() {
      consumer.close();
    }
  }

  /** The audit event a chained record carries, decoded from its canonical bytes. */
  public static AuditEvent event(ChainedAuditEvent chained) {
    return EVENTS.deserialize("audit chain event", ChainHash.bytes(chained.getEvent()));
  }
}
