package io.fabric.cli;

import io.fabric.schemas.config.KafkaConnection;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * For the commands that bring their own broker ({@code bench}, {@code bench-gateway}): Kafka's option
 * names as in {@link ConnectionOptions}, but without a default, because no {@code --bootstrap-server}
 * means "start an embedded broker", not "use 127.0.0.1:9092".
 */
public final class ClusterOrEmbeddedOptions {
  @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT", description = "Use an existing cluster instead of an embedded broker of its own.")
  String bootstrapServer;

  @Option(names = "--command-config", paramLabel = "FILE", description = "Kafka client properties (SASL, TLS) for --bootstrap-server.")
  Path commandConfig;

  /** True when no cluster was named: the command starts an embedded broker. */
  public boolean embedded() {
    return bootstrapServer == null;
  }

  public String bootstrapServer() {
    return bootstrapServer;
  }

  /** The named cluster; only when not {@link #embedded()}. */
  public KafkaConnection connection() {
    return KafkaConnection.of(bootstrapServer, commandConfig);
  }
}
