package io.fabric.schemas;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import io.fabric.schemas.records.ScanConsumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds writer schemas other apps published to the compacted {@code fabric.schemas} topic
 * (key: fingerprint in hex, value: schema JSON). Only asked for fingerprints the jar does not know.
 */
public final class TopicSchemaLookup implements SchemaRepository.RemoteLookup {
  public static final String SCHEMAS_TOPIC = "fabric.schemas";
  private static final Logger log = LoggerFactory.getLogger(TopicSchemaLookup.class);
  private static final Map<String, TopicSchemaLookup> BY_CLUSTER = new ConcurrentHashMap<>();
  private static final List<String> CONNECTION_PREFIXES = List.of("bootstrap.servers", "security.", "sasl.", "ssl.", "client.dns.lookup");

  private final Map<String, Object> consumerConfig;

  private TopicSchemaLookup(Map<String, Object> consumerConfig) {
    this.consumerConfig = consumerConfig;
  }

  /** Registers one lookup per cluster with the shared repository when the configs name a cluster. */
  static void attachIfConfigured(Map<String, ?> configs) {
    Object bootstrap = configs.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    if (bootstrap == null) {
      return;
    }
    String cluster = bootstrap instanceof List<?> list ? String.join(",", list.stream().map(String::valueOf).toList()) : bootstrap.toString();
    Map<String, Object> connection = new HashMap<>();
    configs.forEach((k, v) -> {
      if (CONNECTION_PREFIXES.stream().anyMatch(k::startsWith)) {
        connection.put(k, v);
      }
    });
    connection.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, cluster);
    TopicSchemaLookup lookup = BY_CLUSTER.computeIfAbsent(cluster, c -> new TopicSchemaLookup(connection));
    SchemaRepository.shared().addRemoteLookup(lookup);
  }

  @Override
  public Optional<Schema> find(long fingerprint) {
    String wanted = SchemaRepository.fingerprintHex(fingerprint);
    Map<String, Object> props = new HashMap<>(consumerConfig);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, null);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, "fabric-schema-lookup-" + UUID.randomUUID());
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000);
    try (KafkaConsumer<String, String> consumer = new ScanConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      List<PartitionInfo> partitions = consumer.partitionsFor(SCHEMAS_TOPIC, Duration.ofSeconds(10));
      if (partitions == null || partitions.isEmpty()) {
        return Optional.empty();
      }
      List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      Optional<Schema> found = Optional.empty();
      while (tps.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
          if (wanted.equals(record.key()) && record.value() != null) {
            found = Optional.of(new Schema.Parser().parse(record.value()));
          }
        }
      }
      return found;
    } catch (RuntimeException e) {
      log.warn("could not look up schema {} in {}: {}", wanted, SCHEMAS_TOPIC, e.toString());
      return Optional.empty();
    }
  }
}
