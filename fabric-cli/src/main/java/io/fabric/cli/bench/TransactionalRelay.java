package io.fabric.cli.bench;

import io.fabric.schemas.config.CommittedOffsets;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The baseline's last stage, shaped like a plugin runtime without its per-task work: a
 * {@code read_committed} consumer and a transactional producer copying records to the output topic
 * and committing the consumed offsets in the same transaction, one transaction per poll (Kafka's
 * consume-transform-produce pattern, which the plugin runtime also follows).
 */
final class TransactionalRelay implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;
  private final String source;
  private final String sink;
  private final Thread thread;
  private volatile boolean closing;
  private volatile boolean started;
  private volatile Throwable failure;

  TransactionalRelay(KafkaConnection connection, String source, String sink, String groupId, String transactionalId,
                     int maxPollRecords) {
    Map<String, Object> consumerConfig = connection.clientConfig();
    consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId + "-consumer");
    consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    consumerConfig.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    Map<String, Object> producerConfig = connection.clientConfig();
    producerConfig.putAll(FabricStreamsConfig.producerTuning());
    producerConfig.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
    producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
    producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    this.consumer = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    this.producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
    this.source = source;
    this.sink = sink;
    this.thread = new Thread(this::run, transactionalId);
    thread.setDaemon(true);
  }

  TransactionalRelay start() {
    producer.initTransactions();
    consumer.subscribe(List.of(source));
    started = true;
    thread.start();
    return this;
  }

  private void run() {
    try {
      while (!closing) {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (records.isEmpty()) {
          continue;
        }
        try {
          relay(records);
        } catch (KafkaException e) {
          if (e instanceof WakeupException || fatal(e)) {
            throw e;
          }
          producer.abortTransaction();
          CommittedOffsets.rewind(consumer, consumer.assignment());
        }
      }
    } catch (WakeupException e) {
      if (!closing) {
        failure = e;
      }
    } catch (RuntimeException e) {
      failure = e;
    } finally {
      producer.close(Duration.ofSeconds(5));
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
    }
  }

  private void relay(ConsumerRecords<byte[], byte[]> records) {
    producer.beginTransaction();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      producer.send(new ProducerRecord<>(sink, null, record.key(), record.value(), record.headers()));
    }
    commitWithOffsets(records);
  }

  private void commitWithOffsets(Iterable<ConsumerRecord<byte[], byte[]>> records) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : records) {
      offsets.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
    }
    producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
    producer.commitTransaction();
  }

  private static boolean fatal(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ApplicationRecoverableException) {
        return true;
      }
    }
    return false;
  }

  Throwable failure() {
    return failure;
  }

  @Override
  public void close() {
    closing = true;
    if (!started) {
      producer.close(Duration.ofSeconds(5));
      consumer.close(CloseOptions.timeout(Duration.ofSeconds(5)));
      return;
    }
    consumer.wakeup();
    try {
      thread.join(15_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
