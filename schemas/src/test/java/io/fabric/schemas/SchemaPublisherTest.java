package io.fabric.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class SchemaPublisherTest {
  /**
   * Several batches in flight to the just-created schemas topic hit KAFKA-15591 (`fabric bench` failed
   * to start: "cannot publish schemas ... Timeout"), so the publisher keeps one, whatever the client
   * configuration it is given says.
   */
  @Test
  void thePublisherKeepsOneIdempotentBatchInFlightToTheFreshSchemasTopic() {
    Properties props = SchemaPublisher.producerConfig(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1",
        ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5));

    assertEquals(1, props.get(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION));
    assertEquals(true, props.get(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG));
    assertEquals("all", props.get(ProducerConfig.ACKS_CONFIG));
  }
}
