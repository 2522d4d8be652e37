package io.fabric.plugins.flows;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.List;
import java.util.Optional;

/**
 * Reads a flow's checkpoints from a terminal with no runtime running: the latest from the compacted
 * {@code flows.state}, every revision (oldest first) from {@code flows.revisions}. Backs
 * {@code fabric flows show FLOW_ID [--history]}.
 */
public final class FlowHistoryReader {
  private FlowHistoryReader() {}

  public static Optional<FlowCheckpoint> latest(KafkaConnection connection, TopicCatalog catalog, String flowId) {
    return LatestByKeyReader.latest(connection, catalog.flowState, flowId);
  }

  public static List<FlowCheckpoint> history(KafkaConnection connection, TopicCatalog catalog, String flowId) {
    return LatestByKeyReader.all(connection, catalog.flowRevisions, flowId, checkpoint -> true);
  }
}
