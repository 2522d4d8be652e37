package io.fabric.policy;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes a policy to the policy topic, where every policy-stream instance picks it up without a
 * restart ({@link PublishedPolicy}), and reads what is published now. Only text that {@link
 * PolicyFile#check} accepts is published; the gate checks it again where it consumes it.
 */
public final class PolicyPublisher {
  private PolicyPublisher() {}

  /** Where a policy landed. */
  public record Published(Policy policy, int partition, long offset) {}

  /**
   * Publishes {@code text} as the active policy.
   *
   * @param source names the text in errors, e.g. {@code policy file p.yaml}
   * @throws PolicyException naming the first problem when the text does not pass {@code check}: nothing is published
   */
  public static Published publish(KafkaConnection connection, TopicCatalog catalog, String text, String source) {
    return publish(connection, catalog, PublishedPolicy.ACTIVE_KEY, text, source);
  }

  /**
   * Publishes {@code text} under {@code key}: {@link PublishedPolicy#ACTIVE_KEY}, or {@link PublishedPolicy#SHADOW_KEY}
   * to evaluate it beside the active policy without acting on it.
   *
   * @throws PolicyException naming the first problem when the text does not pass {@code check}: nothing is published
   */
  public static Published publish(KafkaConnection connection, TopicCatalog catalog, String key, String text, String source) {
    Policy policy = PolicyFile.parse(text, source);
    RecordMetadata written = write(connection, catalog, key, text);
    return new Published(policy, written.partition(), written.offset());
  }

  /** Deletes what is published under {@code key} (a tombstone): no shadow, or, for the active key, back to each instance's start file. */
  public static void clear(KafkaConnection connection, TopicCatalog catalog, String key) {
    write(connection, catalog, key, null);
  }

  private static RecordMetadata write(KafkaConnection connection, TopicCatalog catalog, String key, String text) {
    return writeText(connection, catalog.policy, key, text);
  }

  /** Writes one text record (acks=all, idempotent) to an operator's topic: the policy, or a breaker reset. */
  public static RecordMetadata writeText(KafkaConnection connection, io.fabric.schemas.topics.TopicSpec<String, String> topic, String key,
                                         String text) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(config, topic.keySerde().serializer(),
        topic.valueSerde().serializer())) {
      return producer.send(new ProducerRecord<>(topic.name(), key, text)).get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot publish to " + topic.name() + ": " + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The text published as the active policy now, if any. */
  public static Optional<String> current(KafkaConnection connection, TopicCatalog catalog) {
    return current(connection, catalog, PublishedPolicy.ACTIVE_KEY);
  }

  /** The text published under {@code key} now, if any (a tombstone after it means none). */
  public static Optional<String> current(KafkaConnection connection, TopicCatalog catalog, String key) {
    // scanned, not LatestByKeyReader.latest: that skips tombstones, and a tombstone is what ends a shadow
    String[] last = new String[1];
    LatestByKeyReader.scan(connection, catalog.policy, record -> {
      if (key.equals(record.key())) {
        last[0] = record.value();
      }
    });
    return Optional.ofNullable(last[0]);
  }
}
