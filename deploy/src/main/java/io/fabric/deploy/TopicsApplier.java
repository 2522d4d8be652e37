package io.fabric.deploy;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicProfile;
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
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the catalog's missing topics as a {@link TopicProfile} says (replication factor and
 * {@code min.insync.replicas}) and reports existing ones whose partitions or config differ from the
 * catalog, or whose replication is weaker than the profile's; it never changes an existing topic
 * (that is an operator's decision).
 */
public final class TopicsApplier {
  /** What apply found for one topic. */
  public record TopicState(String name, String state, int partitions, int replicationFactor, Integer minInsyncReplicas,
                           Map<String, String> config, List<String> differences) {
    public boolean drifted() {
      return !differences.isEmpty();
    }
  }

  private TopicsApplier() {}

  /** Applies with the profile the cluster can hold ({@link TopicProfile#forBrokerCount}): single-node on one broker, cluster from three. */
  public static List<TopicState> apply(KafkaConnection connection, TopicCatalog catalog) {
    return run(connection, catalog, null, true);
  }

  public static List<TopicState> apply(KafkaConnection connection, TopicCatalog catalog, TopicProfile profile) {
    return run(connection, catalog, profile, true);
  }

  /** Describes against the profile the cluster can hold (see {@link #apply(KafkaConnection, TopicCatalog)}). */
  public static List<TopicState> describe(KafkaConnection connection, TopicCatalog catalog) {
    return run(connection, catalog, null, false);
  }

  public static List<TopicState> describe(KafkaConnection connection, TopicCatalog catalog, TopicProfile profile) {
    return run(connection, catalog, profile, false);
  }

  /** The profile a cluster can hold, from its broker count. */
  public static TopicProfile inferProfile(KafkaConnection connection) {
    try (Admin admin = Admin.create(adminConfig(connection))) {
      return inferProfile(admin);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while describing the cluster", e);
    } catch (ExecutionException | TimeoutException e) {
      throw unreachable(connection, e);
    }
  }

  private static Map<String, Object> adminConfig(KafkaConnection connection) {
    Map<String, Object> config = connection.clientConfig();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return config;
  }

  private static List<TopicState> run(KafkaConnection connection, TopicCatalog catalog, TopicProfile wanted, boolean create) {
    try (Admin admin = Admin.create(adminConfig(connection))) {
      TopicProfile profile = wanted != null ? wanted : inferProfile(admin);
      Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<TopicSpec<?, ?>> specs = catalog.all();
      List<TopicState> result = new ArrayList<>();
      if (create) {
        List<NewTopic> missing = specs.stream().filter(t -> !existing.contains(t.name())).map(t -> t.newTopic(profile)).toList();
        createAll(admin, missing, profile);
        missing.forEach(t -> result.add(new TopicState(t.name(), "created", t.numPartitions(), t.replicationFactor(),
            profile.minInsyncReplicas(), t.configs(), List.of())));
      }
      List<String> present = specs.stream().map(TopicSpec::name).filter(existing::contains).toList();
      Map<String, TopicDescription> descriptions = present.isEmpty() ? Map.of()
          : admin.describeTopics(present).allTopicNames().get(30, TimeUnit.SECONDS);
      Map<ConfigResource, Config> configs = present.isEmpty() ? Map.of() : admin.describeConfigs(present.stream()
          .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all().get(30, TimeUnit.SECONDS);
      for (TopicSpec<?, ?> spec : specs) {
        if (!existing.contains(spec.name())) {
          if (!create) {
            result.add(new TopicState(spec.name(), "missing", spec.partitions(), profile.replicationFactor(), profile.minInsyncReplicas(),
                spec.config(), List.of("topic does not exist")));
          }
          continue;
        }
        TopicDescription description = descriptions.get(spec.name());
        int partitions = description.partitions().size();
        int replication = description.partitions().stream().mapToInt(p -> p.replicas().size()).min().orElse(0);
        Config actual = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
        Integer minIsr = minInsyncReplicas(actual.get(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG));
        List<String> differences = new ArrayList<>(differences(spec, partitions, actual));
        differences.addAll(profile.weaknesses(replication, minIsr));
        Map<String, String> shown = spec.config().keySet().stream().filter(k -> actual.get(k) != null)
            .collect(Collectors.toMap(k -> k, k -> actual.get(k).value()));
        result.add(new TopicState(spec.name(), differences.isEmpty() ? "ok" : "differs", partitions, replication, minIsr, shown, differences));
      }
      return result;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while applying topics", e);
    } catch (ExecutionException | TimeoutException e) {
      throw unreachable(connection, e);
    }
  }

  /** Partitions and catalog config that differ (replication is the profile's to judge). */
  static List<String> differences(TopicSpec<?, ?> spec, int partitions, Config actual) {
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
    return differences;
  }

  private static Integer minInsyncReplicas(ConfigEntry entry) {
    try {
      return entry == null || entry.value() == null ? null : Integer.valueOf(entry.value());
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static IllegalStateException unreachable(KafkaConnection connection, Exception e) {
    Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
    return new IllegalStateException("cannot reach Kafka at " + connection.bootstrapServers() + ": " + cause.getMessage(), cause);
  }

  private static void createAll(Admin admin, Collection<NewTopic> topics, TopicProfile profile)
      throws InterruptedException, ExecutionException, TimeoutException {
    if (topics.isEmpty()) {
      return;
    }
    try {
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof InvalidReplicationFactorException) {
        throw new IllegalStateException("cannot create the topics with profile " + profile.name() + " (replication "
            + profile.replicationFactor() + "): " + e.getCause().getMessage(), e.getCause());
      }
      if (!(e.getCause() instanceof TopicExistsException)) {
        throw e;
      }
    }
    awaitVisible(admin, topics.stream().map(NewTopic::name).toList());
  }

  /**
   * Returns once the brokers' metadata holds the new topics with a leader for every partition: the controller has
   * them when createTopics answers, a broker's metadata cache a moment later, and a client that looks in between
   * (the next command of a script, a test) would be told the topic does not exist; an idempotent producer that
   * pipelines batches to a partition before its leader is settled can have the first refused and a later one
   * accepted, and then loses the first (KAFKA-15591: `fabric bench` once failed to publish its schemas so).
   */
  private static void awaitVisible(Admin admin, List<String> names) throws InterruptedException, ExecutionException, TimeoutException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        Map<String, TopicDescription> described =
            admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
        if (LeaderCheck.everyPartitionLed(described.values()) || System.nanoTime() > deadline) {
          return;
        }
        Thread.sleep(50); // leaders are elected within milliseconds of creation
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(50); // metadata propagates within milliseconds; a short pause between looks is enough
      }
    }
  }

  private static TopicProfile inferProfile(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
    return TopicProfile.forBrokerCount(admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
  }
}
