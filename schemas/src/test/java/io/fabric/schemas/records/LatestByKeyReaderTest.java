package io.fabric.schemas.records;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.schemas.topics.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

class LatestByKeyReaderTest {
  /** Records the configs its deserializer is configured with. */
  private static final class ConfigRecordingSerde implements Serde<String> {
    final List<Map<String, ?>> configured = new ArrayList<>();

    @Override
    public org.apache.kafka.common.serialization.Serializer<String> serializer() {
      return Serdes.String().serializer();
    }

    @Override
    public Deserializer<String> deserializer() {
      return new StringDeserializer() {
        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
          configured.add(configs);
          super.configure(configs, isKey);
        }
      };
    }
  }

  @Test
  void theReadersDeserializersAreConfiguredSoAvroCanLookUpUnknownWriterSchemas() {
    ConfigRecordingSerde values = new ConfigRecordingSerde();
    TopicSpec<String, String> topic = new TopicSpec<>("t", Serdes::String, () -> values, 1, Map.of(), "test");
    Map<String, Object> config = new java.util.HashMap<>(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1"));

    try (KafkaConsumer<String, String> consumer = LatestByKeyReader.consumer(config, topic)) {
      assertEquals(1, values.configured.size());
      assertEquals("127.0.0.1:1", values.configured.get(0).get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
    }
  }
}
