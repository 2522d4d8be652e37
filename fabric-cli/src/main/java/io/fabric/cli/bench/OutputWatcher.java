package io.fabric.cli.bench;

import io.fabric.schemas.config.KafkaConnection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads the topic where requests end ({@code read_committed}, from the beginning of every
 * partition, no consumer group) and hands each record to the pipeline's handler with its request's
 * sequence number and the time the poll returned it; the handler tells the ledger what the record means.
 */
final class OutputWatcher implements AutoCloseable {
  private final KafkaConsumer<String, byte[]> consumer;
  private final RecordHandler handler;
  private final Thread thread;
  private volatile boolean closing;
  private volatile Throwable failure;

  /** What a pipeline makes of one output record of request {@code seq}, seen at {@code nanos}. */
  @FunctionalInterface
  interface RecordHandler {
    void handle(long seq, byte[] value, long nanos);
  }

  OutputWatcher(KafkaConnection connection, String topic, int partitions, String clientId, RecordHandler handler) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
    this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    List<TopicPartition> all = java.util.stream.IntStream.range(0, partitions).mapToObj(p -> new TopicPartition(topic, p)).toList();
    consumer.assign(all);
    consumer.seekToBeginning(all);
    this.handler = handler;
    this.thread = new Thread(this::run, clientId);
    thread.setDaemon(true);
    thread.start();
  }

  private void run() {
    try {
      while (!closing) {
        ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
        long now = System.nanoTime();
        for (ConsumerRecord<String, byte[]> record : records) {
          long seq = Workload.seqOf(record.key());
          if (seq >= 0 && record.value() != null) {
            handler.handle(seq, record.value(), now);
          }
        }
      }
    } catch (WakeupException e) {
      if (!closing) {
        failure = e;
      }
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  /** Why the reader stopped on its own, or null. */
  Throwable failure() {
    return failure;
  }

  @Override
  public void close() {
    closing = true;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
