package io.fabric.audit.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.audit.chain.ChainHead;
import io.fabric.audit.chain.ChainVerifier;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Red-team cases for the sequencer: input read again must not be chained again, and its guarantee cannot be weakened. */
class AuditChainSequencerRedTeamTest {
  @TempDir
  Path stateDir;

  private static AuditEvent event(int i) {
    return AuditEvent.newBuilder().setId("e-" + i).setAt(i).setType("SLA_WARNING").setDetail("d" + i).setFlowId("f").build();
  }

  @Test
  void anEventReadAgainAfterItsInputOffsetWasLostIsNotChainedTwice() {
    // Given a sequencer whose heads store survived (changelog) but whose committed input offsets did not: the group's
    // offsets expired (offsets.retention.minutes) while it was down, or someone reset them, and auto.offset.reset=earliest
    MockProcessorContext<String, ChainedAuditEvent> context = new MockProcessorContext<>();
    KeyValueStore<Integer, byte[]> heads = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(AuditChainTopology.HEADS),
        Serdes.Integer(), Serdes.ByteArray()).withLoggingDisabled().build();
    heads.init(context.getStateStoreContext(), heads);
    context.addStateStore(heads);
    AuditChainTopology.Sequencer sequencer = new AuditChainTopology.Sequencer();
    sequencer.init(context);

    // When it reads offsets 0..2, then 0..3 again
    for (int offset : new int[] {0, 1, 2, 0, 1, 2, 3}) {
      context.setRecordMetadata("fabric.audit", 0, offset);
      sequencer.process(new Record<>("f", event(offset), offset));
    }

    // Then each event is chained once, and the chain verifies
    List<ChainedAuditEvent> chained = context.forwarded().stream().map(f -> (ChainedAuditEvent) f.record().value()).toList();
    assertEquals(List.of(0L, 1L, 2L, 3L), chained.stream().map(ChainedAuditEvent::getSourceOffset).toList());
    ChainVerifier verifier = new ChainVerifier(0);
    for (int i = 0; i < chained.size(); i++) {
      verifier.accept(i, chained.get(i));
    }
    assertTrue(verifier.finish().intact(), verifier.finish().breaks().toString());
  }

  @Test
  void aHeadStoredByTheEarlierVersionStillDecodes() {
    ChainHead head = new ChainHead(7, new byte[32], 41);
    byte[] legacy = java.util.Arrays.copyOf(head.encode(), 40);
    assertEquals(new ChainHead(7, new byte[32]), ChainHead.decode(legacy));
    assertEquals(head, ChainHead.decode(head.encode()));
  }

  @Test
  void theSequencerRefusesToRunAtLeastOnce() {
    // `fabric run --config processing.guarantee=at_least_once` reaches every Streams app; under it a crash between the
    // chained record and the head's changelog write repeats or forks the chain. Refused before any Kafka call.
    IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> AuditChainApp.create(
        KafkaConnection.of("unreachable.invalid:9092"), TopicCatalog.create(1, List.of()), stateDir,
        Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE)));
    assertTrue(refused.getMessage().contains("exactly_once_v2"), refused.getMessage());
  }
}
