package io.fabric.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.RecordMetadata;
import java.util.Properties;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/** Publishes the writer schemas this build uses to {@code fabric.schemas} so older readers can find them. */
public final class SchemaPublisher {
  private SchemaPublisher() {}

  /**
   * One batch in flight: the schemas topic has usually just been created ({@code fabric run} applies the
   * topics, then publishes), and an idempotent producer with several batches in flight to a partition whose
   * leader is not settled yet can have its first batch refused (NOT_LEADER) and a later one accepted; the
   * first is then retried with OUT_OF_ORDER_SEQUENCE until the delivery timeout (KAFKA-15591), and
   * {@code fabric run} or {@code fabric bench} failed to start ("cannot publish schemas"). A few dozen
   * records at start do not need pipelining.
   */
  static Properties producerConfig(Map<String, Object> clientConfig) {
    Properties props = new Properties();
    props.putAll(clientConfig);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, "fabric-schema-publisher");
    return props;
  }

  public static void publish(Map<String, Object> clientConfig) {
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig(clientConfig), new StringSerializer(),
        new StringSerializer())) {
      List<Future<RecordMetadata>> sends = new ArrayList<>();
      for (Class<? extends SpecificRecord> type : FabricSchemas.TOP_LEVEL) {
        Schema schema = AvroSerde.schemaOf(type);
        String key = SchemaRepository.fingerprintHex(SchemaRepository.fingerprint(schema));
        sends.add(producer.send(new ProducerRecord<>(TopicSchemaLookup.SCHEMAS_TOPIC, key, schema.toString())));
      }
      for (Future<RecordMetadata> send : sends) {
        send.get(30, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while publishing schemas", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("cannot publish schemas to " + TopicSchemaLookup.SCHEMAS_TOPIC + ": " + e.getMessage(), e);
    }
  }
}
