package io.fabric.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class LagMonitorTest {
  private static TopicPartition tp(String topic, int partition) {
    return new TopicPartition(topic, partition);
  }

  @Test
  void lagIsEndLessCommittedSummedPerTopic() {
    Map<TopicPartition, Long> committed = Map.of(tp("a", 0), 10L, tp("a", 1), 5L, tp("b", 0), 7L);
    Map<TopicPartition, Long> ends = Map.of(tp("a", 0), 12L, tp("a", 1), 9L, tp("b", 0), 7L);

    assertEquals(Map.of("a", 6L, "b", 0L), LagMonitor.lagByTopic(committed, ends));
  }

  @Test
  void aCommitPastAnEarlierEndReadIsNoLagAndAPartitionWithoutEndIsSkipped() {
    Map<TopicPartition, Long> committed = Map.of(tp("a", 0), 15L, tp("a", 1), 3L);
    Map<TopicPartition, Long> ends = Map.of(tp("a", 0), 12L);

    assertEquals(Map.of("a", 0L), LagMonitor.lagByTopic(committed, ends));
  }

  @Test
  void nothingCommittedIsNoRow() {
    assertEquals(Map.of(), LagMonitor.lagByTopic(Map.of(), Map.of(tp("a", 0), 4L)));
  }
}
