package io.fabric.plugins.runtime;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.observability.FabricMetrics;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
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
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The outcomes of finished tasks, held in memory until they are committed together in one Kafka
 * transaction with the consumed offsets.
 *
 * <p>Committing per task costs several broker round trips per task (begin, offsets, end markers)
 * and was the plugin runtime's whole throughput limit. Nothing is sent before {@link #commit()}, so a
 * transaction never stays open across a plugin call (a slow call cannot run into the transaction
 * timeout), and a crash before the commit loses only outcomes whose tasks are consumed again: their
 * offsets were staged with them. Staged checkpoints and intents are visible to the next task at
 * once through the {@link FlowStateStore}; a commit makes them the store's own, an abort drops them.
 *
 * <p>A producer call that fails with anything but a {@link KafkaException} (after a timed-out
 * commit, {@code abortTransaction} throws {@link IllegalStateException}) leaves the producer in a
 * state no abort can clear: it is reported as {@link ProducerUnusableException}.
 *
 * <p>Used by the runtime thread only.
 */
final class OutboundBatch {
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  /** The producer can no longer be used, not even to abort: it must be closed and replaced. */
  static final class ProducerUnusableException extends RuntimeException {
    ProducerUnusableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Producer<String, byte[]> producer;
  private final Supplier<ConsumerGroupMetadata> groupMetadata;
  private final TopicCatalog catalog;
  private final TopicSpec<String, String> intentTopic;
  private final FlowStateStore store;
  private final Map<String, Serializer<?>> serializers = new HashMap<>();
  private final List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
  private final List<Consumer<RecordMetadata>> onCommitted = new ArrayList<>();
  private final Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
  private final List<Runnable> beforeCommit = new ArrayList<>();
  private long firstStagedNanos;
  private boolean open;
  private final FabricMetrics metrics;
  private final String plugin;

  OutboundBatch(Producer<String, byte[]> producer, Supplier<ConsumerGroupMetadata> groupMetadata, TopicCatalog catalog,
                FlowStateStore store) {
    this(producer, groupMetadata, catalog, store, FabricMetrics.discard(), null);
  }

  /** @param metrics counts the checkpoints and dead letters of {@code plugin} once their transaction committed */
  OutboundBatch(Producer<String, byte[]> producer, Supplier<ConsumerGroupMetadata> groupMetadata, TopicCatalog catalog,
                FlowStateStore store, FabricMetrics metrics, String plugin) {
    this.metrics = metrics;
    this.plugin = plugin;
    this.producer = producer;
    this.groupMetadata = groupMetadata;
    this.catalog = catalog;
    this.intentTopic = ExecutionIntent.topic(catalog);
    this.store = store;
  }

  /** A new, empty outcome of one task; nothing is staged until {@link #stage}. */
  Outcome outcome(String traceparent) {
    return new Outcome(traceparent);
  }

  /**
   * Adds a task's outcome and, when {@code consumed} is given, its offset to the transaction being
   * prepared; its checkpoints and intents are visible to the next task at once. {@code beforeCommit}
   * is the crash point's place.
   */
  void stage(Outcome outcome, ConsumerRecord<?, ?> consumed, Runnable beforeCommitHook) {
    for (int i = 0; i < outcome.records.size(); i++) {
      markStaged();
      records.add(outcome.records.get(i));
      onCommitted.add(outcome.onCommitted.get(i));
    }
    outcome.onStaged.forEach(Runnable::run);
    if (consumed != null) {
      markStaged();
      offsets.merge(new TopicPartition(consumed.topic(), consumed.partition()), new OffsetAndMetadata(consumed.offset() + 1),
          (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    if (beforeCommitHook != null) {
      markStaged();
      beforeCommit.add(beforeCommitHook);
    }
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
      store.clearStaged();
      return;
    }
    List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
    try {
      producer.beginTransaction();
      open = true;
      for (ProducerRecord<String, byte[]> record : records) {
        sent.add(producer.send(record));
      }
      if (!offsets.isEmpty()) {
        producer.sendOffsetsToTransaction(offsets, groupMetadata.get());
      }
      beforeCommit.forEach(Runnable::run);
      producer.commitTransaction();
    } catch (IllegalStateException e) {
      throw new ProducerUnusableException("the producer refused the transaction: " + e.getMessage(), e);
    }
    open = false;
    for (int i = 0; i < sent.size(); i++) {
      RecordMetadata metadata = committed(sent.get(i));
      if (onCommitted.get(i) != null) {
        onCommitted.get(i).accept(metadata);
      }
    }
    clear();
    store.clearStaged();
  }

  /** Drops everything staged and aborts the transaction if {@link #commit()} failed inside it. */
  void abort() {
    clear();
    store.clearStaged();
    if (open) {
      open = false;
      try {
        producer.abortTransaction();
      } catch (IllegalStateException e) {
        throw new ProducerUnusableException("the producer cannot abort (" + e.getMessage() + ")", e);
      }
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

  @SuppressWarnings("unchecked")
  private <V> Serializer<V> serializer(TopicSpec<String, V> topic) {
    return (Serializer<V>) serializers.computeIfAbsent(topic.name(), name -> topic.valueSerde().serializer());
  }

  /**
   * The records of one task's outcome, each carrying the task's traceparent, and what the flow state
   * store learns from them once they are staged and once they are committed. Values are serialized
   * when added, so staging an outcome cannot fail halfway.
   */
  final class Outcome {
    private final String traceparent;
    private final List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    private final List<Consumer<RecordMetadata>> onCommitted = new ArrayList<>();
    private final List<Runnable> onStaged = new ArrayList<>();

    private Outcome(String traceparent) {
      this.traceparent = traceparent;
    }

    /** Adds a record (a null value is a tombstone). */
    <V> Outcome add(TopicSpec<String, V> topic, String key, V value) {
      add(topic, null, key, value, null);
      return this;
    }

    /** Adds the flow's new checkpoint and its revision: the same value on both topics, encoded once. */
    Outcome checkpoint(String flowId, FlowCheckpoint checkpoint) {
      byte[] bytes = serializer(catalog.flowState).serialize(catalog.flowState.name(), checkpoint);
      addEncoded(catalog.flowState, null, flowId, checkpoint, bytes, written -> store.ownCheckpoint(flowId, checkpoint, written.offset()));
      addEncoded(catalog.flowRevisions, null, flowId, checkpoint, bytes, null);
      onStaged.add(() -> store.stageCheckpoint(flowId, checkpoint));
      return this;
    }

    /** Adds the intent's tombstone if there is an intent (a side-effect-free first attempt writes none). */
    Outcome clearIntent(String flowId, String intentId) {
      if (store.intent(flowId, intentId).isPresent()) {
        intent(flowId, intentId, null);
      }
      return this;
    }

    /** Adds an intent or its tombstone: keyed by intent id, on the partition of its flow. */
    Outcome intent(String flowId, String intentId, ExecutionIntent intent) {
      add(intentTopic, store.partitionOf(flowId), intentId, intent == null ? null : intent.toJson(),
          written -> store.ownIntent(flowId, intentId, intent, written.offset()));
      onStaged.add(() -> store.stageIntent(intentId, intent));
      return this;
    }

    private <V> void add(TopicSpec<String, V> topic, Integer partition, String key, V value, Consumer<RecordMetadata> committed) {
      addEncoded(topic, partition, key, value, value == null ? null : serializer(topic).serialize(topic.name(), value), committed);
    }

    private <V> void addEncoded(TopicSpec<String, V> topic, Integer partition, String key, V value, byte[] bytes,
                                Consumer<RecordMetadata> committed) {
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic.name(), partition, key, bytes);
      TraceContext.set(record.headers(), traceparent);
      records.add(record);
      onCommitted.add(counted(topic, value, committed));
    }

    /** Counts a checkpoint or a dead letter when its transaction committed, then runs {@code then}. */
    private <V> Consumer<RecordMetadata> counted(TopicSpec<String, V> topic, V value, Consumer<RecordMetadata> then) {
      Runnable count = topic.name().equals(catalog.flowState.name()) ? () -> metrics.checkpoint(plugin)
          : value instanceof DeadLetter letter ? () -> metrics.deadLetter(letter.getStage(), letter.getReason()) : null;
      if (count == null) {
        return then;
      }
      return written -> {
        count.run();
        if (then != null) {
          then.accept(written);
        }
      };
    }
  }
}
