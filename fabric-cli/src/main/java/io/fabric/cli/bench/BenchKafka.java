package io.fabric.cli.bench;

import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Client settings and topic chores the fabric run and the baseline run share. */
final class BenchKafka {
  private BenchKafka() {}

  /**
   * The ingress producer of both runs: what {@code FabricClient} sets (acks=all, idempotent) plus the
   * fabric's shared producer tuning, so both pipelines receive identically batched and compressed input.
   */
  static Map<String, Object> ingressProducerConfig(String clientId) {
    Map<String, Object> config = new HashMap<>(FabricStreamsConfig.producerTuning());
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
    return config;
  }

  /** The connection's client settings (bootstrap, command config) with {@code config} on top. */
  static Map<String, Object> withConnection(KafkaConnection connection, Map<String, Object> config) {
    Map<String, Object> merged = connection.clientConfig();
    merged.putAll(config);
    return merged;
  }

  static void createTopics(KafkaConnection connection, Collection<String> names, int partitions) {
    try (Admin admin = admin(connection)) {
      short replication = (short) Math.min(3, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
      List<NewTopic> topics = names.stream().map(n -> new NewTopic(n, partitions, replication)).toList();
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot create the baseline's topics: " + e.getMessage(), e);
    }
  }

  /** Deletes every topic whose name starts with {@code prefix} (one run's topics on a shared cluster). */
  static int deleteTopics(KafkaConnection connection, String prefix) {
    try (Admin admin = admin(connection)) {
      Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
      List<String> ours = names.stream().filter(n -> n.startsWith(prefix)).toList();
      if (!ours.isEmpty()) {
        admin.deleteTopics(ours).all().get(60, TimeUnit.SECONDS);
      }
      return ours.size();
    } catch (Exception e) {
      throw new IllegalStateException("cannot delete the run's topics (prefix " + prefix + "): " + e.getMessage(), e);
    }
  }

  /**
   * For every topic named {@code prefix...}: its end offsets summed over partitions, divided by
   * {@code requests}, sorted by name; the records a pipeline instance wrote per request plus its
   * transaction markers (Streams purges its repartition topics, so their beginning offsets move, but
   * end offsets count everything ever written). Empty, with a warning, when the cluster cannot say.
   */
  static Map<String, Double> offsetsPerRequest(KafkaConnection connection, String prefix, long requests) {
    Map<String, Double> perRequest = new java.util.TreeMap<>();
    if (connection == null || requests <= 0) {
      return perRequest;
    }
    try (Admin admin = admin(connection)) {
      List<String> ours = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream().filter(n -> n.startsWith(prefix)).toList();
      Map<String, org.apache.kafka.clients.admin.TopicDescription> described = admin.describeTopics(ours).allTopicNames().get(30, TimeUnit.SECONDS);
      Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
      described.values().forEach(d -> d.partitions().forEach(p -> latest.put(new org.apache.kafka.common.TopicPartition(d.name(), p.partition()),
          org.apache.kafka.clients.admin.OffsetSpec.latest())));
      Map<String, Long> sums = new HashMap<>();
      admin.listOffsets(latest).all().get(30, TimeUnit.SECONDS).forEach((tp, info) -> sums.merge(tp.topic(), info.offset(), Long::sum));
      sums.forEach((topic, sum) -> perRequest.put(topic.substring(prefix.length()), Math.round(sum * 1000.0 / requests) / 1000.0));
    } catch (Exception e) {
      System.err.println("warning: cannot count the records written per request (prefix " + prefix + "): " + e.getMessage());
    }
    return perRequest;
  }

  private static Admin admin(KafkaConnection connection) {
    Map<String, Object> config = connection.clientConfig();
    config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    return Admin.create(config);
  }
}
