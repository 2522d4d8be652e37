package io.fabric.plugins.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;

/**
 * The outcomes of finished tasks, held in memory until they are committed together in one Kafka
 * transaction with the consumed offsets.
 *
 * <p>Committing per task costs several broker round trips per task (begin, offsets, end markers)
 * and was the plugin runtime's whole throughput limit. Nothing is sent before {@link #commit()}, so a
 * transaction never stays open across a plugin call (a slow call cannot run into the transaction
 * timeout), and a crash before the commit loses only outcomes whose tasks are consumed again: their
 * offsets were staged with them.
 *
 * <p>Used by the runtime thread only.
 */
final class StagedTransaction {
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaProducer<String, byte[]> producer;
  private final Supplier<ConsumerGroupMetadata> groupMetadata;
  private final List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
  private final List<Consumer<RecordMetadata>> onCommitted = new ArrayList<>();
  private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
  private final List<Runnable> beforeCommit = new ArrayList<>();
  private long firstStagedNanos;
  private boolean open;

  StagedTransaction(KafkaProducer<String, byte[]> producer, Supplier<ConsumerGroupMetadata> groupMetadata) {
    this.producer = producer;
    this.groupMetadata = groupMetadata;
  }

  /**
   * Adds a record; {@code committed}, if given, receives its metadata once the transaction
   * committed.
   */
  void add(ProducerRecord<String, byte[]> record, Consumer<RecordMetadata> committed) {
    markStaged();
    records.add(record);
    onCommitted.add(committed);
  }

  /** Commits the consumed record's offset with the staged records. */
  void consumed(ConsumerRecord<?, ?> record) {
    markStaged();
    offsets.merge(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1),
        (a, b) -> a.offset() >= b.offset() ? a : b);
  }

  /** Runs just before the commit: the crash point's place, after the records were sent. */
  void beforeCommit(Runnable hook) {
    markStaged();
    beforeCommit.add(hook);
  }

  boolean isEmpty() {
    return records.isEmpty() && offsets.isEmpty() && beforeCommit.isEmpty();
  }

  /** How long the oldest staged outcome has waited; zero when nothing is staged. */
  long waitingNanos() {
    return isEmpty() ? 0 : System.nanoTime() - firstStagedNanos;
  }

  /**
   * Sends everything staged and the offsets in one transaction and commits it; a no-op when nothing
   * is staged. On a Kafka error the transaction is left open for {@link #abort()}.
   */
  void commit() {
    if (isEmpty()) {
      return;
    }
    producer.beginTransaction();
    open = true;
    List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
    for (ProducerRecord<String, byte[]> record : records) {
      sent.add(producer.send(record));
    }
    if (!offsets.isEmpty()) {
      producer.sendOffsetsToTransaction(offsets, groupMetadata.get());
    }
    beforeCommit.forEach(Runnable::run);
    producer.commitTransaction();
    open = false;
    for (int i = 0; i < sent.size(); i++) {
      RecordMetadata metadata = committed(sent.get(i));
      if (onCommitted.get(i) != null) {
        onCommitted.get(i).accept(metadata);
      }
    }
    clear();
  }

  /** Drops everything staged and aborts the transaction if {@link #commit()} failed inside it. */
  void abort() {
    clear();
    if (open) {
      open = false;
      producer.abortTransaction();
    }
  }

  private void markStaged() {
    if (isEmpty()) {
      firstStagedNanos = System.nanoTime();
    }
  }

  private void clear() {
    records.clear();
    onCommitted.clear();
    offsets.clear();
    beforeCommit.clear();
  }

  private static RecordMetadata committed(Future<RecordMetadata> future) {
    try {
      return future.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted after commit", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new KafkaException("a committed record reports a failure", e);
    }
  }
}
