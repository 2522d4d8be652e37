package io.fabric.cli;

import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Kafka options every command shares ({@code fabric} and {@code fabric dlq} alike), with Kafka's own option names. */
public final class ConnectionOptions {
  @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT",
      description = "Kafka to use (default: ${DEFAULT-VALUE}, from " + KafkaConnection.BOOTSTRAP_ENV + " when set).",
      defaultValue = KafkaConnection.BOOTSTRAP_OPTION_DEFAULT)
  String bootstrapServer;

  @Option(names = "--command-config", paramLabel = "FILE", description = "Kafka client properties (SASL, TLS) for a real cluster, as for Kafka's own tools.")
  Path commandConfig;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = TopicCatalog.PREFIX, description = "Prefix of every fabric topic (default ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(names = "--partitions", paramLabel = "N", defaultValue = "3", description = "Partitions of the task topics (default ${DEFAULT-VALUE}).")
  int partitions;

  /** @throws IllegalArgumentException when {@code --command-config} cannot be read */
  public KafkaConnection connection() {
    return KafkaConnection.of(bootstrapServer, commandConfig);
  }

  KafkaConnection connection(String bootstrap) {
    return KafkaConnection.of(bootstrap, commandConfig);
  }

  public String bootstrapServer() {
    return bootstrapServer;
  }

  public TopicCatalog catalog() {
    return TopicCatalog.create(topicPrefix, partitions, PluginRegistry.discover().pluginNames());
  }
}
