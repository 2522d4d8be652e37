package io.fabric.cli;

import io.fabric.cli.reconcile.Reconciliation;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fabric reconcile}: proves every request that entered ended in exactly one place. */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
    description = "Report each request's single terminal state; exit 1 if any request was lost or duplicated.")
final class ReconcileCommand implements Callable<Integer> {
  @Mixin
  ConnectionOptions kafka;

  @Option(names = "--since", paramLabel = "DURATION", description = "Only requests submitted within this ISO-8601 duration (e.g. PT1H).")
  Duration since;

  @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text or json.")
  OutputFormat output;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Reconciliation.Report report = reconcile(kafka.connection(), kafka.catalog(), since);
    PrintWriter out = spec.commandLine().getOut();
    if (output == OutputFormat.json) {
      out.println(Json.write(report));
    } else {
      out.printf("requests: %d%n", report.requests());
      report.byState().forEach((state, count) -> out.printf("  %-40s %d%n", state, count));
      out.printf("undecodable records in the DLQ: %d%n", report.undecodable());
      out.printf("lost: %d, duplicated: %d, in flight: %d%n", report.lost().size(), report.duplicated().size(), report.inFlight().size());
      report.lost().forEach(o -> out.println("  LOST " + o.requestId()));
      report.duplicated().forEach(o -> out.println("  DUPLICATED " + o.requestId() + " " + o.outcomes()));
    }
    return report.clean() ? 0 : 1;
  }

  public static Reconciliation.Report reconcile(KafkaConnection connection, TopicCatalog catalog, Duration since) {
    long from = since == null ? 0 : System.currentTimeMillis() - since.toMillis();
    List<TaskRequest> requests = LatestByKeyReader.everything(connection, catalog.ingress).stream()
        .filter(r -> r.getSubmittedAt() >= from).toList();
    Set<String> replayed = LatestByKeyReader.keys(connection, catalog.dlqReplays);
    return new Reconciliation()
        .requests(requests)
        .blocked(LatestByKeyReader.everything(connection, catalog.blocked))
        .revisions(LatestByKeyReader.everything(connection, catalog.flowRevisions))
        .deadLetters(LatestByKeyReader.everything(connection, catalog.dlq), replayed)
        .statuses(LatestByKeyReader.everything(connection, catalog.requestStatus))
        .report();
  }
}
