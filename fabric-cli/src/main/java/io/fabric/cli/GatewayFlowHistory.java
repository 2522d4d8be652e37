package io.fabric.cli;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.gateway.http.FlowHistory;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.List;
import java.util.Optional;

/**
 * A flow's revisions and a request's trace behind {@code /v1/flows/{id}/revisions} and
 * {@code /v1/requests/{id}/trace}: the readers and views of {@code fabric flows show --history -o json}
 * and {@code fabric trace -o json}. A flow belongs to the tenant of its latest revision, as there.
 */
final class GatewayFlowHistory implements FlowHistory {
  private final KafkaConnection connection;
  private final TopicCatalog catalog;

  GatewayFlowHistory(KafkaConnection connection, TopicCatalog catalog) {
    this.connection = connection;
    this.catalog = catalog;
  }

  @Override
  public Optional<Scoped> revisions(String flowId) {
    List<FlowCheckpoint> revisions = LatestByKeyReader.all(connection, catalog.flowRevisions, flowId, c -> true);
    if (revisions.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new Scoped(revisions.get(revisions.size() - 1).getTenantId(),
        revisions.stream().map(FlowsCommand.Show::toJson).toList()));
  }

  @Override
  public Optional<Scoped> trace(String requestId) {
    return TraceCommand.trace(connection, catalog, requestId).map(path -> new Scoped(path.tenantId(), TraceCommand.json(path)));
  }
}
