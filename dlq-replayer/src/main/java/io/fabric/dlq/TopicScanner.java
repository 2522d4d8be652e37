package io.fabric.dlq;

import io.fabric.schemas.config.KafkaConnection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import io.fabric.schemas.records.ScanConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads a whole topic once, from the beginning of every partition to its committed end (the last
 * stable offset under {@code read_committed}), without a consumer group: a snapshot as of the
 * moment the scan started. Records written after that are not waited for.
 */
final class TopicScanner {
  /** How long the scan may go without any partition moving forward before it gives up. */
  static final Duration STALL_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(15);

  private final KafkaConnection connection;

  TopicScanner(KafkaConnection connection) {
    this.connection = connection;
  }

  /** Thrown when the topic is not there, so callers can tell "nothing yet" from a failure. */
  static final class MissingTopicException extends IllegalStateException {
    MissingTopicException(String topic) {
      super("topic " + topic + " does not exist: run `fabric topics apply` first, or check --topic-prefix");
    }
  }

  void scan(String topic, String clientId, Consumer<ConsumerRecord<byte[], byte[]>> sink) {
    Map<String, Object> config = new HashMap<>(connection.clientConfig());
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    config.remove(ConsumerConfig.GROUP_ID_CONFIG);
    // The data is all there already; a short wait also keeps close() from waiting out a long-poll fetch.
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 50);
    try (KafkaConsumer<byte[], byte[]> consumer =
             new ScanConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
      if (infos == null || infos.isEmpty()) {
        throw new MissingTopicException(topic);
      }
      List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, METADATA_TIMEOUT);
      long total = positionsSum(consumer, partitions);
      long lastProgress = System.nanoTime();
      while (!reachedEnd(consumer, partitions, end)) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
            sink.accept(record);
          }
        }
        long now = positionsSum(consumer, partitions);
        if (now != total) {
          total = now;
          lastProgress = System.nanoTime();
        } else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
          throw new IllegalStateException("reading " + topic + " made no progress for " + STALL_TIMEOUT.toSeconds() + " s");
        }
      }
    }
  }

  private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions,
                                    Map<TopicPartition, Long> end) {
    for (TopicPartition tp : partitions) {
      if (consumer.position(tp, METADATA_TIMEOUT) < end.get(tp)) {
        return false;
      }
    }
    return true;
  }

  private static long positionsSum(KafkaConsumer<?, ?> consumer, List<TopicPartition> partitions) {
    long sum = 0;
    for (TopicPartition tp : partitions) {
      sum += consumer.position(tp, METADATA_TIMEOUT);
    }
    return sum;
  }
}
