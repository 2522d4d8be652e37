package io.fabric.audit.sequencer;

import static org.awaitility.Awaitility.await;

import io.fabric.audit.chain.AuditChainReader;
import io.fabric.contracts.AuditEvent;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team: one audit event that the broker accepts (compressed) but the sequencer cannot write back (its chained record
 * is over the producer's max.request.size) stops the chain of its partition for good: the thread is replaced, retries
 * the same record and fails again, and no later event of that partition is ever chained. It is chained as a stand-in
 * naming its size and SHA-256 instead ({@link OversizedEvents}), and the events after it are chained.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class AuditChainOversizedEventIntegrationTest {
  @TempDir
  Path stateDir;

  @Test
  void anOversizedEventDoesNotStopTheChain() throws Exception {
    String prefix = EmbeddedKafkaExtension.uniqueName("audit-big") + ".";
    TopicCatalog catalog = TopicCatalog.create(prefix, 1, List.of());
    KafkaConnection connection = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(connection, catalog);
    Map<String, Object> attacker = connection.clientConfig();
    attacker.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 8 * 1024 * 1024);
    attacker.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "gzip");
    try (StreamsApp sequencer = AuditChainApp.create(connection, catalog, stateDir, Map.of()).startAndAwait(Duration.ofSeconds(60));
         KafkaProducer<String, AuditEvent> producer = new KafkaProducer<>(attacker, catalog.audit.keySerde().serializer(),
             catalog.audit.valueSerde().serializer())) {
      // 2 MB of one letter: a few KB on the wire, so the broker takes it. Each send is awaited: the topic was created a
      // moment ago, and with two batches in flight a first one refused NOT_LEADER_OR_FOLLOWER while the second was
      // accepted is retried OUT_OF_ORDER_SEQUENCE until delivery.timeout.ms and lost (KAFKA-15591), unseen by flush()
      producer.send(new ProducerRecord<>(catalog.audit.name(), 0, "k", AuditEvent.newBuilder().setId("big").setAt(1L)
          .setType("SECURITY_EVENT").setDetail("A".repeat(2 * 1024 * 1024)).build())).get(30, TimeUnit.SECONDS);
      producer.send(new ProducerRecord<>(catalog.audit.name(), 0, "k", AuditEvent.newBuilder().setId("after").setAt(2L)
          .setType("SECURITY_EVENT").setDetail("an ordinary event").build())).get(30, TimeUnit.SECONDS);

      await().atMost(Duration.ofSeconds(45)).until(() -> AuditChainReader.readAll(connection, catalog.auditChain.name()).records().stream()
          .anyMatch(r -> "after".equals(AuditChainReader.event(r.chained()).getId())));
      List<AuditEvent> chained = AuditChainReader.readAll(connection, catalog.auditChain.name()).records().stream()
          .map(r -> AuditChainReader.event(r.chained())).toList();
      org.junit.jupiter.api.Assertions.assertEquals(List.of("big", "after"), chained.stream().map(AuditEvent::getId).toList());
      org.junit.jupiter.api.Assertions.assertTrue(chained.get(0).getDetail().startsWith("OVERSIZED_EVENT: the original is "),
          chained.get(0).getDetail());
    }
  }
}
