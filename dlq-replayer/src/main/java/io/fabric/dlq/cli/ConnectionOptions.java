package io.fabric.dlq.cli;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** Where the DLQ is: Kafka's own option names, plus the fabric's topic prefix and the output format. */
public final class ConnectionOptions {
  @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT", defaultValue = KafkaConnection.BOOTSTRAP_OPTION_DEFAULT,
      description = "Kafka bootstrap servers (default: ${DEFAULT-VALUE}, from " + KafkaConnection.BOOTSTRAP_ENV + " when set).")
  String bootstrapServer;

  @Option(names = "--command-config", paramLabel = "FILE",
      description = "Kafka client properties (security, SASL, TLS), as for Kafka's own tools.")
  Path commandConfig;

  @Option(names = "--topic-prefix", paramLabel = "PREFIX", defaultValue = TopicCatalog.PREFIX,
      description = "Prefix of the fabric's topics (default: ${DEFAULT-VALUE}).")
  String topicPrefix;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "text",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  OutputFormat output;

  KafkaConnection connection() {
    return KafkaConnection.of(bootstrapServer, commandConfig);
  }

  TopicCatalog catalog() {
    return TopicCatalog.create(topicPrefix, TopicCatalog.DEFAULT_PARTITIONS, List.of());
  }

  boolean json() {
    return output == OutputFormat.json;
  }
}
