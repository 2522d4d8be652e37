package io.fabric.schemas.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;

/**
 * How every fabric app and command reaches Kafka: the bootstrap servers plus the client
 * properties of {@code --command-config} (SASL, TLS) for a real cluster.
 */
public record KafkaConnection(String bootstrapServers, Map<String, String> clientProperties) {
  public static final String DEFAULT_BOOTSTRAP = "127.0.0.1:9092";
  /** The environment variable every command reads when {@code --bootstrap-server} is not given. */
  public static final String BOOTSTRAP_ENV = "FABRIC_BOOTSTRAP_SERVER";
  /** The same, as a picocli default value expression, so every command's option agrees. */
  public static final String BOOTSTRAP_OPTION_DEFAULT = "${env:" + BOOTSTRAP_ENV + ":-" + DEFAULT_BOOTSTRAP + "}";

  public KafkaConnection {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("bootstrap servers must not be empty");
    }
    clientProperties = Map.copyOf(clientProperties);
  }

  public static KafkaConnection of(String bootstrapServers) {
    return new KafkaConnection(bootstrapServers, Map.of());
  }

  /** Reads a Kafka client properties file, as {@code kafka-console-consumer --command-config} does. */
  public static KafkaConnection of(String bootstrapServers, Path commandConfig) {
    if (commandConfig == null) {
      return of(bootstrapServers);
    }
    Properties props = new Properties();
    try (Reader reader = Files.newBufferedReader(commandConfig)) {
      props.load(reader);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --command-config " + commandConfig + ": " + e.getMessage(), e);
    }
    Map<String, String> client = new HashMap<>();
    props.stringPropertyNames().forEach(k -> client.put(k, props.getProperty(k)));
    return new KafkaConnection(bootstrapServers, client);
  }

  /** A fresh, mutable client config: command-config properties first, then the bootstrap servers. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>(clientProperties);
    config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }

  public Properties clientProperties(Map<String, Object> overrides) {
    Properties props = new Properties();
    props.putAll(clientConfig());
    props.putAll(overrides);
    return props;
  }
}
