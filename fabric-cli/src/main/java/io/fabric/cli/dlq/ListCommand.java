package io.fabric.cli.dlq;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.dlq.DeadLetterEntry;
import io.fabric.dlq.DeadLetterFilter;
import io.fabric.dlq.DeadLetterReader;
import io.fabric.dlq.ReplayLedger;
import io.fabric.dlq.ReplayLedgerTopic;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;

/** {@code fabric dlq list}: one line per dead letter. */
@Command(name = "list", mixinStandardHelpOptions = true, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
    description = "List dead letters, one line each, oldest first.",
    sortOptions = false, usageHelpAutoWidth = true)
public final class ListCommand extends DlqSubcommand {
  static final int ERROR_CHARS = 60;

  @Mixin
  FilterOptions filterOptions;

  @Override
  public Integer call() {
    DeadLetterFilter filter = filterOptions.toFilter(spec, readScope);
    KafkaConnection connection = connection();
    TopicCatalog catalog = connectionOptions.catalog();
    List<DeadLetterEntry> entries = new DeadLetterReader(connection, catalog.dlq).read(filter);
    ReplayLedger ledger = ReplayLedger.read(connection, ReplayLedgerTopic.spec(catalog));
    if (output.json()) {
      ArrayNode array = JSON.createArrayNode();
      entries.forEach(entry -> array.add(summary(entry, ledger)));
      printJson(array);
      return ExitCode.OK;
    }
    if (entries.isEmpty()) {
      out().println("No dead letters on " + catalog.dlq.name() + " match (filters: " + filter.describe() + ").");
      return ExitCode.OK;
    }
    List<List<String>> rows = new ArrayList<>();
    for (DeadLetterEntry entry : entries) {
      rows.add(List.of(entry.id(), TextFormat.seconds(entry.at()), TextFormat.orNone(entry.stage()),
          TextFormat.orNone(entry.tenant()), TextFormat.orNone(entry.flow()), TextFormat.orNone(entry.action()),
          entry.reason(), Integer.toString(entry.attempts().size()), Integer.toString(ledger.timesReplayed(entry.id())),
          TextFormat.orNone(entry.errorSummary(ERROR_CHARS))));
    }
    TextFormat.table(List.of("ID", "DEAD-LETTERED", "STAGE", "TENANT", "FLOW", "ACTION", "REASON", "ATTEMPTS",
        "REPLAYED", "ERROR"), rows).forEach(out()::println);
    out().println(entries.size() + " dead letter" + (entries.size() == 1 ? "" : "s") + ".");
    return ExitCode.OK;
  }

  static ObjectNode summary(DeadLetterEntry entry, ReplayLedger ledger) {
    ObjectNode node = JSON.createObjectNode();
    node.put("id", entry.id());
    node.put("at", entry.at().toString());
    node.put("stage", entry.stage());
    node.put("tenant_id", entry.tenant());
    node.put("flow_id", entry.flow());
    node.put("request_id", entry.requestId());
    node.put("action", entry.action());
    node.put("reason", entry.reason());
    node.put("error_class", entry.errorClass());
    node.put("error", entry.errorSummary(ERROR_CHARS));
    node.put("attempts", entry.attempts().size());
    node.put("times_replayed", ledger.timesReplayed(entry.id()));
    node.put("readable", entry.readable());
    ObjectNode dlq = node.putObject("dlq");
    dlq.put("partition", entry.partition());
    dlq.put("offset", entry.offset());
    if (entry.readable()) {
      ObjectNode original = node.putObject("original");
      original.put("topic", entry.deadLetter().getOriginalTopic());
      original.put("partition", entry.deadLetter().getOriginalPartition());
      original.put("offset", entry.deadLetter().getOriginalOffset());
    }
    return node;
  }
}
