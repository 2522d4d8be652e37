package io.fabric.deploy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class EmbeddedKafkaBrokerTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void transactionalProduceIsReadBackWithReadCommitted() throws Exception {
        EmbeddedKafkaBroker broker = EmbeddedKafkaExtension.broker();
        System.out.println("shared embedded broker " + broker + " started in "
                + broker.startupTime().toMillis() + " ms");
        String bootstrap = EmbeddedKafkaExtension.bootstrapServers();
        String topic = EmbeddedKafkaExtension.uniqueName("tx-topic");
        createTopic(bootstrap, topic);

        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ProducerConfig.TRANSACTIONAL_ID_CONFIG, EmbeddedKafkaExtension.uniqueName("tx"),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "a"));
            producer.send(new ProducerRecord<>(topic, "k", "b"));
            producer.commitTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.flush();
            producer.abortTransaction();

            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "c"));
            producer.commitTransaction();
        }

        // "aborted" sits between "b" and "c" in the log: read_committed must skip it
        assertEquals(List.of("a", "b", "c"), readValues(bootstrap, topic, 3));
    }

    @Test
    void restartOnSameDataDirKeepsClusterIdTopicsAndRecords(@TempDir Path dataDir) throws Exception {
        String topic = "restart-topic";
        String clusterId;
        try (EmbeddedKafkaBroker first = EmbeddedKafkaBroker.start(dataDir, 0)) {
            System.out.println("fresh broker started in " + first.startupTime().toMillis() + " ms");
            assertTrue(Files.exists(first.logDir().resolve("meta.properties")));
            clusterId = first.clusterId();
            assertEquals(clusterId, describeClusterId(first.bootstrapServers()));
            createTopic(first.bootstrapServers(), topic);
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, first.bootstrapServers(),
                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
                producer.send(new ProducerRecord<>(topic, "key", "survives-restart")).get();
            }
            long t0 = System.nanoTime();
            first.close();
            first.close(); // idempotent
            System.out.println("broker closed in " + Duration.ofNanos(System.nanoTime() - t0).toMillis() + " ms");
        }

        try (EmbeddedKafkaBroker second = EmbeddedKafkaBroker.start(dataDir, 0)) {
            System.out.println("restarted broker started in " + second.startupTime().toMillis() + " ms");
            assertEquals(clusterId, second.clusterId());
            assertEquals(clusterId, describeClusterId(second.bootstrapServers()));
            try (Admin admin = admin(second.bootstrapServers())) {
                Set<String> topics = admin.listTopics().names().get();
                assertTrue(topics.contains(topic), "topics after restart: " + topics);
            }
            assertEquals(List.of("survives-restart"), readValues(second.bootstrapServers(), topic, 1));
        }
    }

    @Test
    void portInUseGivesAClearError(@TempDir Path dataDir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(EmbeddedKafkaBroker.HOST))) {
            int port = taken.getLocalPort();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> EmbeddedKafkaBroker.start(dataDir, port).close());
            assertTrue(e.getMessage().startsWith("port " + port + " is already in use; pass --bootstrap-server"),
                    e.getMessage());
        }
    }

    @Test
    void dataDirInUseGivesAClearError() {
        EmbeddedKafkaBroker shared = EmbeddedKafkaExtension.broker();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> EmbeddedKafkaBroker.start(shared.dataDir(), 0).close());
        assertTrue(e.getMessage().contains("is already used by another Kafka broker"), e.getMessage());
        // the shared broker is unaffected
        assertEquals(shared.clusterId(), describeClusterId(shared.bootstrapServers()));
        assertNotEquals(0, shared.port());
    }

    // ------------------------------------------------------------------------------------------------------------

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static void createTopic(String bootstrap, String topic) throws Exception {
        try (Admin admin = admin(bootstrap)) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    private static String describeClusterId(String bootstrap) {
        try (Admin admin = admin(bootstrap)) {
            return admin.describeCluster().clusterId().get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Reads partition 0 from the beginning with read_committed until {@code expected} values arrived. */
    private static List<String> readValues(String bootstrap, String topic, int expected) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
            TopicPartition tp = new TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            await().atMost(WAIT).until(() -> {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    values.add(r.value());
                }
                return values.size() >= expected;
            });
        }
        return values;
    }
}
