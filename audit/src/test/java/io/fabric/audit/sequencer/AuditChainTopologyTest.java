package io.fabric.audit.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.audit.chain.AuditChainReader;
import io.fabric.audit.chain.ChainHead;
import io.fabric.audit.chain.ChainVerifier;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditChainTopologyTest {
  private final TopicCatalog catalog = TopicCatalog.create(3, List.of());

  @TempDir
  Path stateDir;

  private Properties props() {
    return FabricStreamsConfig.forApp(KafkaConnection.of("dummy:9092"), catalog, "audit-chain-test", AuditChainTopology.STAGE, stateDir, Map.of());
  }

  private static AuditEvent event(int i) {
    return AuditEvent.newBuilder().setId("e-" + i).setAt(i).setType("SLA_WARNING").setDetail("d" + i).setFlowId("f").build();
  }

  @Test
  void everyEventIsChainedInOrderAndTheHeadIsKeptInTheStore() {
    Properties props = props();
    try (TopologyTestDriver driver = new TopologyTestDriver(AuditChainTopology.build(catalog, props), props)) {
      TestInputTopic<String, AuditEvent> in = driver.createInputTopic(catalog.audit.name(), catalog.audit.keySerde().serializer(),
          catalog.audit.valueSerde().serializer());
      TestOutputTopic<String, ChainedAuditEvent> out = driver.createOutputTopic(catalog.auditChain.name(),
          catalog.auditChain.keySerde().deserializer(), catalog.auditChain.valueSerde().deserializer());
      for (int i = 0; i < 4; i++) {
        in.pipeInput("f", event(i));
      }
      List<ChainedAuditEvent> chained = out.readValuesToList();

      assertEquals(4, chained.size());
      ChainVerifier verifier = new ChainVerifier(0);
      for (int i = 0; i < chained.size(); i++) {
        assertEquals(i, chained.get(i).getSequence());
        assertEquals(event(i), AuditChainReader.event(chained.get(i)));
        verifier.accept(i, chained.get(i));
      }
      assertTrue(verifier.finish().intact());
      KeyValueStore<Integer, byte[]> heads = driver.getKeyValueStore(AuditChainTopology.HEADS);
      assertEquals(ChainHead.after(chained.get(3)), ChainHead.decode(heads.get(0)));
    }
  }

  @Test
  void theTopologyMatchesItsCommittedSnapshot() throws Exception {
    String described = AuditChainTopology.build(catalog, props()).describe().toString();
    Path snapshot = Path.of("src/test/resources/audit-chain-topology.txt");
    if (Boolean.getBoolean("updateSnapshots")) {
      Files.writeString(snapshot, described);
    }
    assertEquals(Files.readString(snapshot), described, "the audit chain topology changed: rerun with -DupdateSnapshots=true once checked");
  }
}
