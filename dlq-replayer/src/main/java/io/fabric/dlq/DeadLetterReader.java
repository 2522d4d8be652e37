package io.fabric.dlq;

import io.fabric.contracts.DeadLetter;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads the DLQ topic from the beginning to its committed end ({@code read_committed}), decodes
 * each record as a {@link DeadLetter} and keeps those the filter accepts. A DLQ record that does
 * not decode is kept as an {@linkplain DeadLetterEntry#unreadable unreadable entry} with its raw
 * bytes, so a corrupt DLQ record shows up in {@code list} and {@code stats} instead of vanishing.
 *
 * <p>Entries come back ordered by the time they were dead-lettered, then DLQ partition and offset,
 * which is the order {@code replay} republishes them in.
 */
public final class DeadLetterReader {
  public static final Comparator<DeadLetterEntry> ORDER = Comparator.comparing(DeadLetterEntry::at)
      .thenComparingInt(DeadLetterEntry::partition)
      .thenComparingLong(DeadLetterEntry::offset);

  private final KafkaConnection connection;
  private final TopicSpec<String, DeadLetter> dlq;

  public DeadLetterReader(KafkaConnection connection, TopicSpec<String, DeadLetter> dlq) {
    this.connection = connection;
    this.dlq = dlq;
  }

  /** Every dead letter the filter accepts, in {@link #ORDER}. */
  public List<DeadLetterEntry> read(Predicate<DeadLetterEntry> filter) {
    List<DeadLetterEntry> entries = new ArrayList<>();
    Deserializer<DeadLetter> deserializer = dlq.valueSerde().deserializer();
    // Configured with the connection so a writer schema newer than this jar is found in fabric.schemas.
    deserializer.configure(connection.clientConfig(), false);
    try {
      new TopicScanner(connection).scan(dlq.name(), "fabric-dlq-reader", record -> {
        DeadLetterEntry entry = decode(deserializer, record);
        if (filter.test(entry)) {
          entries.add(entry);
        }
      });
    } finally {
      deserializer.close();
    }
    entries.sort(ORDER);
    return entries;
  }

  /** The dead letter with this id (or the unreadable DLQ record named {@code unreadable-<partition>-<offset>}). */
  public Optional<DeadLetterEntry> find(String id) {
    return read(entry -> entry.id().equals(id)).stream().findFirst();
  }

  private DeadLetterEntry decode(Deserializer<DeadLetter> deserializer, ConsumerRecord<byte[], byte[]> record) {
    if (record.value() == null) {
      return DeadLetterEntry.unreadable(record.partition(), record.offset(), record.timestamp(), record.key(), null,
          "tombstone: the DLQ record has no value");
    }
    try {
      DeadLetter deadLetter = deserializer.deserialize(record.topic(), record.headers(), record.value());
      return DeadLetterEntry.decoded(record.partition(), record.offset(), record.timestamp(), record.key(),
          record.value(), deadLetter);
    } catch (RuntimeException e) {
      return DeadLetterEntry.unreadable(record.partition(), record.offset(), record.timestamp(), record.key(),
          record.value(), e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }
}
