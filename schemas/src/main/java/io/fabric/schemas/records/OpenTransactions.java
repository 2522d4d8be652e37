package io.fabric.schemas.records;

import io.fabric.schemas.config.KafkaConnection;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a topic's partitions hold records a read_committed reader cannot see yet: the last stable
 * offset lags the log end while a transaction is open there (or its markers are still being
 * written). A reader that stops at the last stable offset must know this, or it takes a partition
 * that is only hidden for a stretch to be complete.
 */
public final class OpenTransactions {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private OpenTransactions() {}

  /** For each partition of {@code topic} whose last stable offset lags its end: that last stable offset. */
  public static Map<Integer, Long> in(KafkaConnection connection, String topic) {
    Map<TopicPartition, Long> open = in(connection, List.of(topic));
    Map<Integer, Long> byPartition = new TreeMap<>();
    open.forEach((tp, offset) -> byPartition.put(tp.partition(), offset));
    return byPartition;
  }

  /** For each partition of {@code topics} whose last stable offset lags its end: that last stable offset. */
  public static Map<TopicPartition, Long> in(KafkaConnection connection, List<String> topics) {
    try (Admin admin = Admin.create(connection.clientConfig())) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      admin.describeTopics(topics).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .forEach((topic, description) -> description.partitions()
              .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest())));
      var stable = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED))
          .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      var end = admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED))
          .all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Map<TopicPartition, Long> open = new TreeMap<>(
          java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
      latest.keySet().forEach(tp -> {
        if (end.get(tp).offset() > stable.get(tp).offset()) {
          open.put(tp, stable.get(tp).offset());
        }
      });
      return open;
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot list the offsets of " + topics + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
