package io.fabric.deploy;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the catalog's missing topics and reports existing ones whose partitions or config differ
 * from the catalog; it never changes an existing topic (that is an operator's decision).
 */
public final class TopicsApplier {
  /** What apply found for one topic. */
  public record TopicState(String name, String state, int partitions, Map<String, String> config, List<String> differences) {
    public boolean drifted() {
      return !differences.isEmpty();
    }
  }

  private TopicsApplier() {}

  public static List<TopicState> apply(KafkaConnection connection, TopicCatalog catalog) {
    return run(connection, catalog, true);
  }

  public static List<TopicState> describe(KafkaConnection connection, TopicCatalog catalog) {
    return run(connection, catalog, false);
  }

  private static List<TopicState> run(KafkaConnection connection, TopicCatalog catalog, boolean create) {
    Map<String, Object> config = connection.clientConfig();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    try (Admin admin = Admin.create(config)) {
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<TopicSpec<?, ?>> specs = catalog.all();
      List<TopicState> result = new ArrayList<>();
      if (create) {
        short replication = replicationFactor(admin);
        List<NewTopic> missing = specs.stream().filter(t -> !existing.contains(t.name())).map(t -> t.newTopic(replication)).toList();
        createAll(admin, missing);
        missing.forEach(t -> result.add(new TopicState(t.name(), "created", t.numPartitions(), t.configs(), List.of())));
      }
      List<String> present = specs.stream().map(TopicSpec::name).filter(existing::contains).toList();
      if (!present.isEmpty()) {
        Map<String, TopicDescription> descriptions = admin.describeTopics(present).allTopicNames().get(30, TimeUnit.SECONDS);
        Map<ConfigResource, Config> configs = admin.describeConfigs(present.stream()
            .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get(30, TimeUnit.SECONDS);
        for (TopicSpec<?, ?> spec : specs) {
          if (!existing.contains(spec.name())) {
            if (!create) {
              result.add(new TopicState(spec.name(), "missing", spec.partitions(), spec.config(), List.of("topic does not exist")));
            }
            continue;
          }
          int partitions = descriptions.get(spec.name()).partitions().size();
          Config actual = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
          List<String> differences = new ArrayList<>();
          if (partitions != spec.partitions()) {
            differences.add("partitions " + partitions + ", catalog says " + spec.partitions());
          }
          spec.config().forEach((key, wanted) -> {
            String value = actual.get(key) == null ? null : actual.get(key).value();
            if (!wanted.equals(value)) {
              differences.add(key + "=" + value + ", catalog says " + wanted);
            }
          });
          Map<String, String> shown = spec.config().keySet().stream().filter(k -> actual.get(k) != null)
              .collect(Collectors.toMap(k -> k, k -> actual.get(k).value()));
          result.add(new TopicState(spec.name(), differences.isEmpty() ? "ok" : "differs", partitions, shown, differences));
        }
      }
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while applying topics", e);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new IllegalStateException("cannot reach Kafka at " + connection.bootstrapServers() + ": " + cause.getMessage(), cause);
    }
  }

  private static void createAll(Admin admin, Collection<NewTopic> topics) throws InterruptedException, ExecutionException, TimeoutException {
    if (topics.isEmpty()) {
      return;
    }
    try {
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
  }

  /** 3 on a cluster with 3+ brokers, else as many as there are (1 on the embedded broker). */
  private static short replicationFactor(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
    DescribeClusterResult cluster = admin.describeCluster();
    return (short) Math.min(3, cluster.nodes().get(30, TimeUnit.SECONDS).size());
  }
}
