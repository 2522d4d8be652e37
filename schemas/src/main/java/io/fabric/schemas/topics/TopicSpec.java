package io.fabric.schemas.topics;

import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.serialization.Serde;

/**
 * One topic as the fabric expects it: name, serdes, partitions and config. Serdes are created
 * fresh per call because Streams configures and closes the instances it is given.
 */
public record TopicSpec<K, V>(String name, Supplier<Serde<K>> keySerdes, Supplier<Serde<V>> valueSerdes,
                              int partitions, Map<String, String> config, String purpose) {
  public TopicSpec {
    config = Map.copyOf(config);
  }

  public Serde<K> keySerde() {
    return keySerdes.get();
  }

  public Serde<V> valueSerde() {
    return valueSerdes.get();
  }

  public NewTopic newTopic(short replicationFactor) {
    return new NewTopic(name, partitions, replicationFactor).configs(config);
  }

  /** The topic as {@code profile} creates it: its replication factor, and min.insync.replicas next to the catalog's config. */
  public NewTopic newTopic(TopicProfile profile) {
    return new NewTopic(name, partitions, profile.replicationFactor()).configs(profile.topicConfig(config));
  }
}
