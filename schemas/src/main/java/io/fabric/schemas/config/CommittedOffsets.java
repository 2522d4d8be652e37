package io.fabric.schemas.config;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** What a transactional consume-process-produce loop does after an aborted transaction. */
public final class CommittedOffsets {
  private CommittedOffsets() {}

  /**
   * Seeks every partition back to its group's committed offset (the beginning when none is
   * committed), so the records of the aborted transaction are processed again.
   */
  public static void rewind(Consumer<?, ?> consumer, Set<TopicPartition> partitions) {
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(partitions);
    for (TopicPartition tp : partitions) {
      OffsetAndMetadata offset = committed.get(tp);
      if (offset == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, offset.offset());
      }
    }
  }
}
