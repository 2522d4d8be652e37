package io.fabric.schemas.records;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;

/**
 * Reads the records of one key from a topic keyed by it, scanning only the key's partition (the
 * default partitioner's murmur2 choice) up to the committed end. Used by the CLI to answer
 * "where is request X" and "show flow F" from a terminal with no app running.
 */
public final class LatestByKeyReader {
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private LatestByKeyReader() {}

  public static <V> Optional<V> latest(KafkaConnection connection, TopicSpec<String, V> topic, String key) {
    List<V> all = all(connection, topic, key, v -> true);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** Every committed value of {@code key} in offset order (tombstones skipped), filtered. */
  public static <V> List<V> all(KafkaConnection connection, TopicSpec<String, V> topic, String key, Predicate<V> filter) {
    return new ArrayList<>(records(connection, topic, key, filter).stream().map(ConsumerRecord::value).toList());
  }

  /** As {@link #all}, with each value's record (its timestamp, offset and headers). */
  public static <V> List<ConsumerRecord<String, V>> records(KafkaConnection connection, TopicSpec<String, V> topic, String key,
                                                           Predicate<V> filter) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "fabric-reader");
    try (KafkaConsumer<String, V> consumer = consumer(config, topic)) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic.name(), TIMEOUT);
      if (partitions == null || partitions.isEmpty()) {
        throw new IllegalStateException("topic " + topic.name() + " does not exist: run `fabric topics apply` first");
      }
      int partition = partitionFor(key, partitions.size());
      TopicPartition tp = new TopicPartition(topic.name(), partition);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp), TIMEOUT).get(tp);
      List<ConsumerRecord<String, V>> values = new ArrayList<>();
      long deadline = System.nanoTime() + TIMEOUT.toNanos() * 4;
      while (consumer.position(tp, TIMEOUT) < end) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic.name() + " partition " + partition);
        }
        for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
          if (key.equals(record.key()) && record.value() != null && filter.test(record.value())) {
            values.add(record);
          }
        }
      }
      return values;
    }
  }

  /** Every committed value of a whole topic, all partitions, in offset order per partition (tombstones skipped). */
  public static <V> List<V> everything(KafkaConnection connection, TopicSpec<String, V> topic) {
    List<V> values = new ArrayList<>();
    scan(connection, topic, record -> {
      if (record.value() != null) {
        values.add(record.value());
      }
    });
    return values;
  }

  /** The keys that currently have a value (the last record per key is not a tombstone). */
  public static <V> Set<String> keys(KafkaConnection connection, TopicSpec<String, V> topic) {
    Set<String> keys = new LinkedHashSet<>();
    scan(connection, topic, record -> {
      if (record.value() == null) {
        keys.remove(record.key());
      } else {
        keys.add(record.key());
      }
    });
    return keys;
  }

  /** Hands every committed record of every partition, from the beginning to the end at call time, to {@code sink}. */
  public static <V> void scan(KafkaConnection connection, TopicSpec<String, V> topic, Consumer<ConsumerRecord<String, V>> sink) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "fabric-reader");
    try (KafkaConsumer<String, V> consumer = consumer(config, topic)) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic.name(), TIMEOUT);
      if (partitions == null || partitions.isEmpty()) {
        throw new IllegalStateException("topic " + topic.name() + " does not exist: run `fabric topics apply` first");
      }
      List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps, TIMEOUT);
      long deadline = System.nanoTime() + TIMEOUT.toNanos() * 4;
      while (tps.stream().anyMatch(tp -> consumer.position(tp, TIMEOUT) < end.get(tp))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("timed out reading " + topic.name());
        }
        consumer.poll(Duration.ofMillis(200)).forEach(sink);
      }
    }
  }

  /** The partition Kafka's default partitioner picks for a non-null String key. */
  public static int partitionFor(String key, int partitions) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
  }

  /**
   * A consumer with the topic's deserializers configured: Kafka does not configure deserializer
   * instances it is handed, and an unconfigured Avro serde would not look up writer schemas it
   * does not ship with (a newer app's) in {@code fabric.schemas}.
   */
  static <V> KafkaConsumer<String, V> consumer(Map<String, Object> config, TopicSpec<String, V> topic) {
    org.apache.kafka.common.serialization.Deserializer<String> keys = topic.keySerde().deserializer();
    org.apache.kafka.common.serialization.Deserializer<V> values = topic.valueSerde().deserializer();
    keys.configure(config, true);
    values.configure(config, false);
    return new ScanConsumer<>(config, keys, values);
  }
}
