package io.fabric.cli;

import io.fabric.cli.trace.TracePath;
import io.fabric.cli.trace.TracePath.Seen;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.policy.identity.TenantScope;
import io.fabric.router.RouteTable;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code fabric trace}: a request's path through the fabric, hop by hop with its latencies, read from
 * the fabric's own topics (no tracing backend needed); {@link TracePath} assembles it.
 */
@Command(name = "trace", mixinStandardHelpOptions = true,
    description = "Show a request's path: submitted, the gate's decision, approvals, routing, each attempt, checkpoints, the final status.")
final class TraceCommand implements Callable<Integer> {
  @Mixin
  ConnectionOptions kafka;

  @Parameters(paramLabel = "REQUEST_ID")
  String requestId;

  @Mixin
  TenantScopeOptions scopeOptions;

  @Mixin
  OutputOptions output;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    TenantScope scope = scopeOptions.scope();
    // another tenant's request is answered like an unknown id
    TracePath path = trace(kafka.connection(), kafka.catalog(), requestId).filter(p -> scope.allows(p.tenantId()))
        .orElseThrow(() -> new IllegalStateException("unknown request " + requestId + TenantScopeOptions.suffix(scope)));
    PrintWriter out = spec.commandLine().getOut();
    out.println(output.json() ? Json.write(json(path)) : text(path));
    return 0;
  }

  /** The request's path, read from the fabric's topics; empty when it has no status. Shared with the gateway's {@code /v1/requests/{id}/trace}. */
  static Optional<TracePath> trace(KafkaConnection connection, TopicCatalog catalog, String requestId) {
    List<Seen<RequestStatus>> statuses = read(connection, catalog.requestStatus, requestId, s -> true);
    if (statuses.isEmpty()) {
      return Optional.empty();
    }
    String flowId = statuses.get(statuses.size() - 1).value().getFlowId();
    TracePath.Records records = flowId == null
        ? new TracePath.Records(statuses, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of())
        : records(connection, catalog, requestId, flowId, statuses);
    return TracePath.assemble(requestId, records);
  }

  private static TracePath.Records records(KafkaConnection connection, TopicCatalog catalog, String requestId, String flowId,
                                           List<Seen<RequestStatus>> statuses) {
    var pending = read(connection, catalog.approvalPending, flowId, p -> requestId.equals(p.getRequest().getRequestId()));
    var blocked = read(connection, catalog.blocked, flowId, b -> requestId.equals(b.getRequest().getRequestId()));
    var approvals = read(connection, catalog.approvals, flowId, t -> requestId.equals(t.getRequestId()));
    var routed = read(connection, catalog.routed, flowId, r -> requestId.equals(r.getRequest().getRequestId()));
    List<Seen<RoutedTask>> pluginTasks = routed.stream().findFirst()
        .flatMap(r -> new RouteTable(PluginRegistry.discover(), catalog).topicFor(r.value()))
        .flatMap(catalog::pluginTasksTopic)
        .map(topic -> read(connection, topic, flowId, t -> requestId.equals(t.getRequest().getRequestId())))
        .orElse(List.of());
    Optional<TaskRequest> request = pending.stream().map(s -> s.value().getRequest()).findFirst()
        .or(() -> routed.stream().map(s -> s.value().getRequest()).findFirst())
        .or(() -> blocked.stream().map(s -> s.value().getRequest()).findFirst());
    List<Seen<TaskRequest>> ingress = request
        .map(r -> read(connection, catalog.ingress, IngressKey.of(r), v -> requestId.equals(v.getRequestId())))
        .orElse(List.of());
    var revisions = read(connection, catalog.flowRevisions, flowId,
        c -> c.getSteps().stream().anyMatch(step -> requestId.equals(step.getRequestId())));
    return new TracePath.Records(statuses, ingress, pending, blocked, approvals, routed, pluginTasks, revisions);
  }

  private static <V> List<Seen<V>> read(KafkaConnection connection, TopicSpec<String, V> topic, String key, Predicate<V> filter) {
    return LatestByKeyReader.records(connection, topic, key, filter).stream()
        .map(r -> new Seen<>(r.topic(), r.timestamp(), r.value())).toList();
  }

  static String text(TracePath path) {
    StringBuilder out = new StringBuilder();
    out.append("request ").append(path.requestId()).append("  tenant=").append(path.tenantId()).append(" flow=").append(path.flowId())
        .append(" action=").append(path.action()).append(" submitter=").append(path.submitter() == null ? "-" : path.submitter())
        .append(" approvers=").append(path.approvers().isEmpty() ? "-" : String.join(",", path.approvers()))
        .append(" outcome=").append(path.outcome()).append('\n');
    out.append(String.format("%-12s %-26s %10s %10s  %s%n", "HOP", "AT", "+PREVIOUS", "+SUBMIT", "DETAIL"));
    for (TracePath.Hop hop : path.hops()) {
      String detail = hop.detail().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
      out.append(String.format("%-12s %-26s %10s %10s  %s%n", hop.stage(), Instant.ofEpochMilli(hop.at()), hop.sincePrevious() + " ms",
          hop.sinceSubmitted() + " ms", detail));
    }
    return out.toString().stripTrailing();
  }

  static Map<String, Object> json(TracePath path) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("request_id", path.requestId());
    out.put("tenant_id", path.tenantId());
    out.put("flow_id", path.flowId());
    out.put("action", path.action());
    out.put("submitter", path.submitter());
    out.put("approvers", path.approvers());
    out.put("outcome", path.outcome());
    out.put("hops", path.hops().stream().map(hop -> {
      Map<String, Object> h = new LinkedHashMap<>();
      h.put("stage", hop.stage());
      h.put("at", Instant.ofEpochMilli(hop.at()).toString());
      h.put("since_previous_ms", hop.sincePrevious());
      h.put("since_submitted_ms", hop.sinceSubmitted());
      h.put("detail", hop.detail());
      return h;
    }).toList());
    return out;
  }
}
