package io.fabric.schemas.streams;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.errors.DefaultProductionExceptionHandler;

/**
 * The Streams settings every fabric app shares: exactly_once_v2, consumers that read committed records
 * only (whatever the guarantee), explicit error handlers that send bad records to the DLQ, mandatory
 * explicit naming, and the latency/throughput defaults chosen in BENCHMARKS.md. Baseline benchmarks use
 * the same producer settings.
 */
public final class FabricStreamsConfig {
  /** EOS commits are the main latency knob: p99 is about 3x this over the fabric's hops. */
  public static final int DEFAULT_COMMIT_INTERVAL_MS = 50;
  public static final int DEFAULT_BATCH_SIZE = 65_536;
  public static final int DEFAULT_LINGER_MS = 5;

  private FabricStreamsConfig() {}

  /** Producer settings shared by Streams apps, plugin runtimes and the benchmark baseline. */
  public static Map<String, Object> producerTuning() {
    return Map.of(ProducerConfig.BATCH_SIZE_CONFIG, DEFAULT_BATCH_SIZE, ProducerConfig.LINGER_MS_CONFIG, DEFAULT_LINGER_MS,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
  }

  public static Properties forApp(KafkaConnection connection, TopicCatalog catalog, String applicationId, String stage,
                                  Path stateDir, Map<String, Object> overrides) {
    Properties props = connection.clientProperties(Map.of());
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, DEFAULT_COMMIT_INTERVAL_MS);
    props.put(StreamsConfig.ENSURE_EXPLICIT_INTERNAL_RESOURCE_NAMING_CONFIG, true);
    props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, UndecodableToDeadLetter.class);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, ProcessingErrorToDeadLetter.class);
    // A record we cannot write is a broker/ACL problem, not bad data: fail and let EOS retry from the last commit.
    props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, DefaultProductionExceptionHandler.class);
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    props.put(DeadLetterRouting.DLQ_TOPIC_CONFIG, catalog.dlq.name());
    props.put(DeadLetterRouting.STAGE_CONFIG, stage);
    props.put(DeadLetterRouting.AUDIT_TOPIC_CONFIG, catalog.audit.name());
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // What the apps read is written in transactions (plugin runtimes, the replayer, the other apps). exactly_once_v2
    // reads committed anyway, but at_least_once (`--config processing.guarantee=at_least_once`, the gateway's status
    // store) reads uncommitted by default: it would act on records of transactions that abort, or serve a status a
    // read_committed client (the CLI) cannot see yet.
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.ISOLATION_LEVEL_CONFIG), "read_committed");
    producerTuning().forEach((k, v) -> props.put(StreamsConfig.producerPrefix(k), v));
    props.putAll(overrides);
    return props;
  }

  /** The builder config that makes Streams refuse unnamed internal topics and stores at build time. */
  public static TopologyConfig topologyConfig(Properties props) {
    return new TopologyConfig(new StreamsConfig(props));
  }
}
