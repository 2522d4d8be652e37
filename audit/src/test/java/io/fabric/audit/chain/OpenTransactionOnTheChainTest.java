package io.fabric.audit.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.schemas.config.KafkaConnection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Red team: a producer that leaves a transaction open on the chain hides every record after it from a
 * read_committed reader, so verify would say "verified" about less than the whole chain; it must say where
 * the verified part ends.
 */
@ExtendWith(EmbeddedKafkaExtension.class)
class OpenTransactionOnTheChainTest {
  @Test
  void aTransactionLeftOpenIsNamedByItsFirstOffsetAndGoneOnceAborted() throws Exception {
    String topic = EmbeddedKafkaExtension.uniqueName("chain-open");
    KafkaConnection connection = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    try (Admin admin = Admin.create(connection.clientConfig())) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    Map<String, Object> config = connection.clientConfig();
    try (KafkaProducer<byte[], byte[]> plain = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      plain.send(new ProducerRecord<>(topic, 0, null, new byte[] {1})).get();
    }
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, topic + "-attacker");
    try (KafkaProducer<byte[], byte[]> attacker = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      attacker.initTransactions();
      attacker.beginTransaction();
      attacker.send(new ProducerRecord<>(topic, 0, null, new byte[] {2})).get();

      assertEquals(Map.of(0, 1L), AuditChainReader.openTransactionsFrom(connection, topic));

      attacker.abortTransaction();
      // the coordinator writes the abort marker after it answered, so the stable offset moves on shortly after
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30))
          .until(() -> AuditChainReader.openTransactionsFrom(connection, topic).isEmpty());
    }
  }
}
