package io.fabric.deploy;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;

class LeaderCheckTest {
  private static final Node BROKER = new Node(1, "127.0.0.1", 9092);

  private static TopicDescription topic(Node... leaders) {
    List<TopicPartitionInfo> partitions = new java.util.ArrayList<>();
    for (int i = 0; i < leaders.length; i++) {
      partitions.add(new TopicPartitionInfo(i, leaders[i], List.of(BROKER), List.of(BROKER)));
    }
    return new TopicDescription("t", false, partitions);
  }

  @Test
  void aTopicIsWritableOnlyWhenEveryPartitionHasALeader() {
    assertTrue(LeaderCheck.everyPartitionLed(List.of(topic(BROKER, BROKER), topic(BROKER))));
    assertFalse(LeaderCheck.everyPartitionLed(List.of(topic(BROKER, null))), "a partition without a leader yet");
    assertFalse(LeaderCheck.everyPartitionLed(List.of(topic(BROKER), topic(Node.noNode()))), "no node is no leader");
    assertFalse(LeaderCheck.everyPartitionLed(List.of(topic())), "no partitions described yet");
  }
}
