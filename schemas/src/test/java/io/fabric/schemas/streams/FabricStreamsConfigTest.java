package io.fabric.schemas.streams;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FabricStreamsConfigTest {
  @TempDir
  Path stateDir;

  private StreamsConfig forApp(Map<String, Object> overrides) {
    Properties props = FabricStreamsConfig.forApp(KafkaConnection.of("unreachable.invalid:9092"), TopicCatalog.create(1, List.of()),
        "app", "stage", stateDir, overrides);
    return new StreamsConfig(props);
  }

  /**
   * Every topic a fabric app reads is written in transactions (the plugin runtimes, the replayer and the other apps), and
   * at_least_once consumers read uncommitted by default: `fabric run --config processing.guarantee=at_least_once` would have
   * the gate and the router act on records of transactions that abort (a replay or an outcome that never happened).
   */
  @Test
  void everyConsumerOfAnAtLeastOnceAppReadsCommittedOnly() {
    StreamsConfig config = forApp(Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));

    assertEquals("read_committed", config.getMainConsumerConfigs("app", "client", 0).get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
    assertEquals("read_committed", config.getRestoreConsumerConfigs("client").get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
    assertEquals("read_committed", config.getGlobalConsumerConfigs("client").get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
  }

  @Test
  void exactlyOnceAppsReadCommittedAsBefore() {
    StreamsConfig config = forApp(Map.of());

    assertEquals(StreamsConfig.EXACTLY_ONCE_V2, config.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
    assertEquals("read_committed", config.getMainConsumerConfigs("app", "client", 0).get(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
  }
}
