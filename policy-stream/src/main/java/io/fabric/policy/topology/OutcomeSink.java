package io.fabric.policy.topology;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/**
 * One sink node per stage for every outcome record a processor emits: the record's type picks its
 * topic (routed, blocked, pending, status, audit), and each record is written with its own schema.
 */
final class OutcomeSink {
  private OutcomeSink() {}

  static void attach(KStream<String, SpecificRecord> outcomes, TopicCatalog catalog, String name) {
    TopicByRecordType byType = new TopicByRecordType(Map.of(
        RoutedTask.class, catalog.routed.name(),
        BlockedTask.class, catalog.blocked.name(),
        PendingApproval.class, catalog.approvalPending.name(),
        RequestStatus.class, catalog.requestStatus.name(),
        AuditEvent.class, catalog.audit.name()));
    outcomes.to(byType, Produced.with(Serdes.String(), Serdes.serdeFrom(new ByOwnSchema(), (topic, bytes) -> {
      throw new UnsupportedOperationException("outcome sinks only write");
    })).withName(name + "-outcomes"));
  }

  /** Picks the topic by record type; a named class so the topology description (and its snapshot) is stable. */
  private record TopicByRecordType(Map<Class<?>, String> topics) implements TopicNameExtractor<String, SpecificRecord> {
    @Override
    public String extract(String key, SpecificRecord value, RecordContext context) {
      String topic = topics.get(value.getClass());
      if (topic == null) {
        throw new IllegalStateException("no outcome topic for " + value.getClass().getName());
      }
      return topic;
    }

    @Override
    public String toString() {
      return "TopicByRecordType";
    }
  }

  /** Serializes each record with the Avro serde of its own class. */
  private static final class ByOwnSchema implements Serializer<SpecificRecord> {
    private final Map<Class<?>, AvroSerde<?>> serdes = new ConcurrentHashMap<>();

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public byte[] serialize(String topic, SpecificRecord data) {
      if (data == null) {
        return null;
      }
      AvroSerde serde = serdes.computeIfAbsent(data.getClass(), type -> AvroSerde.of((Class<? extends SpecificRecord>) type));
      return serde.serialize(topic, data);
    }
  }
}
