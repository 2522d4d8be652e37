package io.fabric.deploy;

import java.util.Collection;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;

/** Whether freshly created topics can take writes: every partition has a leader in the brokers' metadata. */
final class LeaderCheck {
  private LeaderCheck() {}

  static boolean everyPartitionLed(Collection<TopicDescription> topics) {
    return topics.stream().allMatch(t -> !t.partitions().isEmpty()
        && t.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty() && p.leader().id() != Node.noNode().id()));
  }
}
