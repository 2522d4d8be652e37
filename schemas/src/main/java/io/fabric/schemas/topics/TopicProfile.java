package io.fabric.schemas.topics;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.config.TopicConfig;

/**
 * How durable the fabric's topics are in one environment: the replication factor and
 * {@code min.insync.replicas} every catalog topic gets when it is created. The catalog says how many
 * partitions and which retention a topic has; the profile says how many copies a write must reach.
 *
 * <p>{@link #SINGLE_NODE} (1/1) is for the embedded broker and a laptop; {@link #CLUSTER} (3/2) is
 * what a production cluster needs so that one broker may fail (or be restarted) without a producer
 * with {@code acks=all}, and so without any transaction, stopping.
 */
public record TopicProfile(String name, short replicationFactor, int minInsyncReplicas) {
  public static final TopicProfile SINGLE_NODE = new TopicProfile("single-node", (short) 1, 1);
  public static final TopicProfile CLUSTER = new TopicProfile("cluster", (short) 3, 2);
  public static final List<TopicProfile> ALL = List.of(SINGLE_NODE, CLUSTER);

  public TopicProfile {
    if (replicationFactor < 1 || minInsyncReplicas < 1 || minInsyncReplicas > replicationFactor) {
      throw new IllegalArgumentException("need 1 <= min.insync.replicas <= replication factor, got "
          + minInsyncReplicas + "/" + replicationFactor);
    }
  }

  /** The profile called {@code name} ({@code single-node} or {@code cluster}). */
  public static TopicProfile named(String name) {
    String wanted = name == null ? "" : name.strip().toLowerCase(Locale.ROOT);
    return ALL.stream().filter(p -> p.name.equals(wanted)).findFirst().orElseThrow(() -> new IllegalArgumentException(
        "unknown topic profile '" + name + "': use " + String.join(" or ", ALL.stream().map(TopicProfile::name).toList())));
  }

  /**
   * The profile a cluster of {@code brokers} brokers can hold: {@link #CLUSTER} from three brokers on,
   * else {@link #SINGLE_NODE}. Two brokers get single-node too: replication 2 with min.insync.replicas 2
   * would stop every write while one broker is down, and 2/1 promises nothing 1/1 does not, once one fails.
   */
  public static TopicProfile forBrokerCount(int brokers) {
    return brokers >= CLUSTER.replicationFactor ? CLUSTER : SINGLE_NODE;
  }

  /** A topic's config under this profile: the catalog's config plus {@code min.insync.replicas}. */
  public Map<String, String> topicConfig(Map<String, String> catalogConfig) {
    Map<String, String> config = new TreeMap<>(catalogConfig);
    config.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, Integer.toString(minInsyncReplicas));
    return config;
  }

  /**
   * What makes a topic weaker than this profile wants, or an empty list: fewer replicas, or a lower
   * {@code min.insync.replicas} ({@code actualMinIsr} null when the broker did not say).
   */
  public List<String> weaknesses(int actualReplicas, Integer actualMinIsr) {
    List<String> weaker = new java.util.ArrayList<>();
    if (actualReplicas < replicationFactor) {
      weaker.add("replication factor " + actualReplicas + ", profile " + name + " wants " + replicationFactor);
    }
    if (actualMinIsr == null || actualMinIsr < minInsyncReplicas) {
      weaker.add(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG + "=" + actualMinIsr + ", profile " + name + " wants " + minInsyncReplicas);
    }
    return weaker;
  }
}
