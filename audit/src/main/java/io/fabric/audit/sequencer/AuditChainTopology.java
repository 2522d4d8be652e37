package io.fabric.audit.sequencer;

import io.fabric.audit.chain.ChainHead;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit chain sequencer: {@code fabric.audit} partition p to {@code fabric.audit.chain} partition p,
 * each event re-encoded canonically and linked to the one before it. It is the chain's only writer,
 * and the head (next sequence, previous hash) of each partition lives in the store {@value #HEADS}, so
 * under exactly_once_v2 the head, the chained record and the input offset commit in one transaction:
 * a restart, a rebalance or a producer retry resumes from the committed head and never forks the chain.
 *
 * <pre>
 *   audit-source (fabric.audit) -> audit-chain-sequencer [audit-chain-heads] -> audit-chain-sink (same partition)
 * </pre>
 */
public final class AuditChainTopology {
  public static final String STAGE = TopicCatalog.AUDIT_CHAIN_STAGE;
  public static final String HEADS = "audit-chain-heads";
  static final String SOURCE = "audit-source";
  static final String SEQUENCER = "audit-chain-sequencer";
  static final String SINK = "audit-chain-sink";

  private AuditChainTopology() {}

  public static Topology build(TopicCatalog catalog, Properties streamsProps) {
    Topology topology = new Topology(FabricStreamsConfig.topologyConfig(streamsProps));
    topology.addSource(SOURCE, catalog.audit.keySerde().deserializer(), catalog.audit.valueSerde().deserializer(), catalog.audit.name());
    topology.addProcessor(SEQUENCER, Sequencer::new, SOURCE);
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HEADS), Serdes.Integer(), Serdes.ByteArray()), SEQUENCER);
    topology.addSink(SINK, catalog.auditChain.name(), catalog.auditChain.keySerde().serializer(), catalog.auditChain.valueSerde().serializer(),
        new SamePartition(), SEQUENCER);
    return topology;
  }

  /** Chains each event after its partition's head and moves the head on. */
  static final class Sequencer implements Processor<String, AuditEvent, String, ChainedAuditEvent> {
    private static final Logger LOG = LoggerFactory.getLogger(Sequencer.class);
    private final AvroSerde<AuditEvent> canonical = AvroSerde.of(AuditEvent.class);
    private ProcessorContext<String, ChainedAuditEvent> context;
    private KeyValueStore<Integer, byte[]> heads;

    @Override
    public void init(ProcessorContext<String, ChainedAuditEvent> context) {
      this.context = context;
      this.heads = context.getStateStore(HEADS);
    }

    @Override
    public void process(Record<String, AuditEvent> record) {
      if (record.value() == null) {
        return;
      }
      RecordMetadata source = context.recordMetadata().orElseThrow();
      int partition = source.partition();
      byte[] stored = heads.get(partition);
      ChainHead head = stored == null ? ChainHead.genesis() : ChainHead.decode(stored);
      if (head.chained(source.offset())) {
        // read again after the group's committed offsets were lost or reset: chained once already, never twice
        LOG.warn("{}-{}@{} was chained already (last chained source offset {}): not chained again", source.topic(), partition,
            source.offset(), head.lastSourceOffset());
        return;
      }
      byte[] event = canonical.serialize(source.topic(), record.value());
      if (OversizedEvents.tooLarge(event)) {
        LOG.warn("{}-{}@{} is {} bytes: chained as a stand-in naming its SHA-256", source.topic(), partition, source.offset(), event.length);
        event = canonical.serialize(source.topic(), OversizedEvents.standIn(record.value(), event, source.topic(), partition, source.offset()));
      }
      ChainedAuditEvent chained = head.link(event, partition, source.offset());
      heads.put(partition, ChainHead.after(chained).encode());
      context.forward(record.withValue(chained));
    }
  }

  /** Writes a chained record to the partition number its event was read from. */
  static final class SamePartition implements StreamPartitioner<String, ChainedAuditEvent> {
    @Override
    public Optional<Set<Integer>> partitions(String topic, String key, ChainedAuditEvent value, int numPartitions) {
      if (value.getSourcePartition() >= numPartitions) {
        throw new IllegalStateException(topic + " has " + numPartitions + " partitions, fewer than the audit topic's: it cannot chain partition "
            + value.getSourcePartition());
      }
      return Optional.of(Set.of(value.getSourcePartition()));
    }

    @Override
    public String toString() {
      return "same partition as the audit event";
    }
  }
}
