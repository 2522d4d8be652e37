package io.fabric.cli.dlq;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.dlq.DeadLetterEntry;
import io.fabric.dlq.DeadLetterFilter;
import io.fabric.dlq.DeadLetterReplayer;
import io.fabric.dlq.ReplayLedgerTopic;
import io.fabric.dlq.ReplayListener;
import io.fabric.dlq.ReplayOptions;
import io.fabric.dlq.ReplayOutcome;
import io.fabric.dlq.ReplayReport;
import io.fabric.gateway.RequestSigner;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code fabric dlq replay}: a dry run by default; with {@code --execute}, republishes the selected
 * dead letters exactly once each (see {@link DeadLetterReplayer}).
 */
@Command(name = "replay", mixinStandardHelpOptions = true, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
    sortOptions = false, usageHelpAutoWidth = true,
    description = {
        "Republish dead letters with their original headers plus provenance headers (fabric.replay.of/count/at/by). "
            + "Requests (also tasks that failed after the policy gate) go to the replays topic with their replay "
            + "lineage, and so through the policy gate again; other records go back to their original topic.",
        "%nWithout --execute it is a dry run that lists what would be replayed. A dead letter already replayed to the "
            + "same topic is skipped, so rerunning or resuming a replay never republishes anything twice."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:all selected dead letters were replayed (or would be) or had been already",
        "1:an error; what was committed before it stays replayed",
        "2:bad usage",
        "3:some dead letters were refused (loop guard, unreadable)"})
public final class ReplayCommand extends DlqSubcommand {
  public static final int EXIT_REFUSED = 3;

  @Mixin
  FilterOptions filterOptions;

  @Option(names = "--to-topic", paramLabel = "TOPIC",
      description = "Publish the original key and value to TOPIC instead (the replays topic: the same as the default "
          + "for requests). Replays re-enter through the gate only: a topic of this fabric that skips the gate is refused.")
  String toTopic;

  @Option(names = "--rate", paramLabel = "N", description = "At most N records per second (default: unlimited).")
  Double rate;

  @Option(names = "--max", paramLabel = "N", description = "Replay at most N records in this run; a later run goes on.")
  Integer max;

  @Option(names = "--max-replays", paramLabel = "N", defaultValue = "" + ReplayOptions.DEFAULT_MAX_REPLAYS,
      description = "Loop guard: refuse a record whose lineage was replayed N times already (default: ${DEFAULT-VALUE}).")
  int maxReplays;

  @Option(names = "--key", paramLabel = "FILE",
      description = "The replayer's submitter key (fabric keys generate --submitter NAME): every replayed request is signed "
          + "as NAME and names its original submitter. Required when the fabric runs with a submitter registry, whose "
          + "entry for NAME must list " + ReservedNames.REPLAY_SCOPE + " in its actions.")
  Path key;

  @Option(names = "--execute", description = "Really publish. Without it nothing is written.")
  boolean execute;

  @Override
  public Integer call() {
    DeadLetterFilter filter = filterOptions.toFilter(spec, readScope);
    TopicCatalog catalog = connectionOptions.catalog();
    ReplayOptions options = options(catalog);
    DeadLetterReplayer replayer = new DeadLetterReplayer(connection(), catalog);
    if (key != null) {
      replayer.signedBy(signer(key));
    }
    ReplayReport report;
    if (execute) {
      ReplayListener progress = System.console() != null ? new ProgressBar(err(), System::nanoTime) : ReplayListener.NONE;
      report = replayer.execute(filter, options, progress);
    } else {
      report = replayer.dryRun(filter, options);
    }
    if (output.json()) {
      printJson(json(report, filter.describe()));
    } else {
      text(report, filter);
    }
    if (report.error() != null) {
      err().println("error: " + report.error());
    }
    if (report.failedOrErrored()) {
      return ExitCode.SOFTWARE;
    }
    return report.refused() > 0 ? EXIT_REFUSED : ExitCode.OK;
  }

  private RequestSigner signer(Path keyFile) {
    try {
      return new RequestSigner(ApproverKeys.approverOf(keyFile), ApproverKeys.readPrivateKey(keyFile));
    } catch (IOException | IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--key: " + e.getMessage(), e);
    }
  }

  private ReplayOptions options(TopicCatalog catalog) {
    if (rate != null && !(rate > 0)) {
      throw new ParameterException(spec.commandLine(), "--rate must be greater than 0, got " + rate);
    }
    if (max != null && max < 1) {
      throw new ParameterException(spec.commandLine(), "--max must be at least 1, got " + max);
    }
    if (toTopic != null && (toTopic.equals(catalog.dlq.name()) || toTopic.equals(ReplayLedgerTopic.spec(catalog).name()))) {
      throw new ParameterException(spec.commandLine(), "--to-topic cannot be the DLQ or the replay ledger: " + toTopic);
    }
    if (toTopic != null && catalog.bypassesGate(toTopic)) {
      throw new ParameterException(spec.commandLine(), "--to-topic " + toTopic + " would skip the policy gate: replays "
          + "re-enter through the gate only (" + catalog.replays.name() + " for requests)");
    }
    try {
      return new ReplayOptions(toTopic, rate == null ? 0 : rate, max == null ? 0 : max, maxReplays);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage(), e);
    }
  }

  private void text(ReplayReport report, DeadLetterFilter filter) {
    if (report.outcomes().isEmpty()) {
      out().println("No dead letters match (filters: " + filter.describe() + ").");
    }
    for (ReplayOutcome outcome : report.outcomes()) {
      if (outcome.status() == ReplayOutcome.Status.NOT_ATTEMPTED) {
        continue;
      }
      DeadLetterEntry entry = outcome.entry();
      String what = switch (outcome.status()) {
        case REPLAYED, WOULD_REPLAY, FAILED -> "-> " + outcome.decision().targetTopic() + "  "
            + TextFormat.orNone(entry.tenant()) + "/" + TextFormat.orNone(entry.flow()) + "/"
            + TextFormat.orNone(entry.action()) + "  " + outcome.decision().detail();
        default -> outcome.decision().detail();
      };
      out().println(String.format(Locale.ROOT, "%-16s %s  %s", label(outcome.status()), entry.id(), what));
    }
    out().println(summary(report));
    out().flush();
  }

  static String label(ReplayOutcome.Status status) {
    return switch (status) {
      case REPLAYED -> "replayed";
      case WOULD_REPLAY -> "would replay";
      case ALREADY_REPLAYED -> "already replayed";
      case REFUSED -> "refused";
      case FAILED -> "failed";
      case NOT_ATTEMPTED -> "not attempted";
    };
  }

  static String summary(ReplayReport report) {
    String left = report.notAttempted() == 0 ? ""
        : "; " + report.notAttempted() + " left for a later run" + (report.failedOrErrored() ? "" : " (--max)");
    if (!report.executed()) {
      return "Dry run: would replay " + report.replayed() + ", skip " + report.alreadyReplayed()
          + " already replayed, refuse " + report.refused() + left
          + ". Nothing was published; add --execute to replay.";
    }
    return "Replayed " + report.replayed() + ", skipped " + report.alreadyReplayed() + " already replayed, refused "
        + report.refused() + ", failed " + report.failed() + left + ".";
  }

  static ObjectNode json(ReplayReport report, String filters) {
    ObjectNode node = JSON.createObjectNode();
    node.put("dry_run", !report.executed());
    node.put("filters", filters);
    ObjectNode summary = node.putObject("summary");
    summary.put(report.executed() ? "replayed" : "would_replay", report.replayed());
    summary.put("skipped_already_replayed", report.alreadyReplayed());
    summary.put("refused", report.refused());
    summary.put("failed", report.failed());
    summary.put("not_attempted", report.notAttempted());
    node.put("error", report.error());
    ArrayNode records = node.putArray("records");
    for (ReplayOutcome outcome : report.outcomes()) {
      DeadLetterEntry entry = outcome.entry();
      ObjectNode record = records.addObject();
      record.put("id", entry.id());
      record.put("status", outcome.status().name().toLowerCase(Locale.ROOT));
      record.put("target_topic", outcome.decision().targetTopic());
      if (outcome.decision().replayCount() > 0) {
        record.put("replay_count", outcome.decision().replayCount());
      }
      record.put("detail", outcome.decision().detail());
      record.put("tenant_id", entry.tenant());
      record.put("flow_id", entry.flow());
      record.put("action", entry.action());
      record.put("reason", entry.reason());
    }
    return node;
  }
}
