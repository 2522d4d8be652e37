package io.fabric.cli.dlq;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.KafkaHeader;
import io.fabric.dlq.DeadLetterEntry;
import io.fabric.dlq.DeadLetterReader;
import io.fabric.dlq.OriginalValue;
import io.fabric.dlq.ReplayHeaders;
import io.fabric.dlq.ReplayLedger;
import io.fabric.dlq.ReplayLedgerTopic;
import io.fabric.dlq.ReplayPlanner;
import io.fabric.policy.identity.TenantScope;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fabric dlq show ID}: everything about one dead letter, including the original record. */
@Command(name = "show", mixinStandardHelpOptions = true, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
    description = "Show one dead letter: context, error, attempts, replays, and the original "
    + "record's key, headers and value (decoded when its topic's contract reads it, base64 otherwise).",
    sortOptions = false, usageHelpAutoWidth = true)
public final class ShowCommand extends DlqSubcommand {
  @Parameters(index = "0", paramLabel = "ID", description = "Dead-letter id, as printed by `dlq list`.")
  String id;

  @Option(names = "--tenant", paramLabel = "TENANT", split = ",", description = "Show it only if it is one of these tenants'.")
  List<String> tenants = new ArrayList<>();

  @Override
  public Integer call() {
    TenantScope scope = readScope.scope(tenants);
    KafkaConnection connection = connection();
    TopicCatalog catalog = connectionOptions.catalog();
    Optional<DeadLetterEntry> found = new DeadLetterReader(connection, catalog.dlq).find(id);
    if (found.isEmpty() || !scope.allows(found.get().tenant())) {
      // another tenant's dead letter is answered like a missing one: a restricted read learns nothing of it
      err().println("error: no dead letter with id " + id + " on " + catalog.dlq.name()
          + (scope.unrestricted() ? "" : " for tenant(s) " + scope.describe()));
      return ExitCode.SOFTWARE;
    }
    DeadLetterEntry entry = found.get();
    ReplayLedger ledger = ReplayLedger.read(connection, ReplayLedgerTopic.spec(catalog));
    Optional<ReplayLedger.Entry> replays = ledger.entry(entry.id());
    OriginalValue original = entry.readable()
        ? OriginalValue.decode(catalog, entry.deadLetter().getOriginalTopic(), DeadLetterEntry.bytes(entry.deadLetter().getOriginalValue()))
        : null;
    if (output.json()) {
      printJson(json(entry, original, replays, catalog));
    } else {
      text(out(), entry, original, replays, catalog);
    }
    return ExitCode.OK;
  }

  static ObjectNode json(DeadLetterEntry entry, OriginalValue original, Optional<ReplayLedger.Entry> replays,
                                 TopicCatalog catalog) {
    ObjectNode node = ListCommand.summary(entry, ReplayLedger.empty());
    node.remove("error");
    node.put("error_message", entry.errorMessage());
    node.put("times_replayed", replays.map(ReplayLedger.Entry::count).orElse(0));
    node.withObjectProperty("dlq").put("topic", catalog.dlq.name());
    ArrayNode replayArray = node.putArray("replays");
    replays.ifPresent(r -> r.replays().forEach(replay -> replayArray.addObject()
        .put("target_topic", replay.targetTopic()).put("replay_count", replay.replayCount())
        .put("replayed_at", replay.at().toString()).put("replayed_by", replay.by())));
    if (!entry.readable()) {
      node.put("raw_value_base64", base64(entry.rawValue()));
      return node;
    }
    DeadLetter deadLetter = entry.deadLetter();
    node.put("action_class", deadLetter.getActionClass());
    node.put("submitter", deadLetter.getSubmitter());
    node.put("lineage_replays", ReplayHeaders.lineageReplays(entry).stream()
        .map(count -> Math.max(count, ReplayPlanner.lineageGeneration(catalog, entry))).boxed().findFirst().orElse(null));
    ArrayNode attempts = node.putArray("attempts");
    for (ExecutionAttempt attempt : deadLetter.getAttempts()) {
      attempts.addObject().put("attempt", attempt.getAttempt()).put("at", attempt.getAt())
          .put("error_class", attempt.getErrorClass()).put("error", attempt.getError());
    }
    ObjectNode originalNode = node.withObjectProperty("original");
    byte[] key = DeadLetterEntry.bytes(deadLetter.getOriginalKey());
    originalNode.put("key", key == null ? null : TextFormat.utf8(key));
    originalNode.put("key_base64", base64(key));
    ArrayNode headers = originalNode.putArray("headers");
    for (KafkaHeader header : deadLetter.getOriginalHeaders()) {
      byte[] value = DeadLetterEntry.bytes(header.getValue());
      headers.addObject().put("key", header.getKey()).put("value", value == null ? null : TextFormat.utf8(value))
          .put("value_base64", base64(value));
    }
    originalNode.put("value_type", original.type());
    originalNode.set("value", original.json());
    originalNode.put("value_decode_error", original.error());
    originalNode.put("value_base64", base64(DeadLetterEntry.bytes(deadLetter.getOriginalValue())));
    return node;
  }

  private static void text(PrintWriter out, DeadLetterEntry entry, OriginalValue original,
                           Optional<ReplayLedger.Entry> replays, TopicCatalog catalog) {
    out.println("Dead letter " + entry.id());
    field(out, "dead-lettered", entry.at().toString());
    field(out, "DLQ record", catalog.dlq.name() + " partition " + entry.partition() + " offset " + entry.offset());
    if (!entry.readable()) {
      field(out, "reason", entry.reason());
      field(out, "problem", "the DLQ record itself cannot be decoded: " + entry.decodeError());
      field(out, "raw value", base64OrNull(entry.rawValue()));
      return;
    }
    DeadLetter deadLetter = entry.deadLetter();
    field(out, "stage", deadLetter.getStage());
    field(out, "reason", deadLetter.getReason());
    field(out, "error class", TextFormat.orNone(deadLetter.getErrorClass()));
    field(out, "error", TextFormat.orNone(deadLetter.getErrorMessage()));
    field(out, "tenant", TextFormat.orNone(deadLetter.getTenantId()));
    field(out, "flow", TextFormat.orNone(deadLetter.getFlowId()));
    field(out, "request", TextFormat.orNone(deadLetter.getRequestId()));
    field(out, "submitter", TextFormat.orNone(deadLetter.getSubmitter()));
    field(out, "action", TextFormat.orNone(deadLetter.getAction())
        + (deadLetter.getActionClass() == null ? "" : " (class " + deadLetter.getActionClass() + ")"));
    field(out, "original", deadLetter.getOriginalTopic() + " partition " + deadLetter.getOriginalPartition()
        + " offset " + deadLetter.getOriginalOffset());
    String lineage = ReplayHeaders.lineageReplays(entry).stream()
        .map(count -> Math.max(count, ReplayPlanner.lineageGeneration(catalog, entry))).mapToObj(Integer::toString).findFirst()
        .orElse("unreadable " + ReservedNames.REPLAY_COUNT_HEADER + " header");
    field(out, "lineage", "replayed " + lineage + " time(s) before this failure");
    if (replays.isEmpty() || replays.get().count() == 0) {
      field(out, "replayed", "never");
    } else {
      field(out, "replayed", replays.get().count() + " time(s)");
      replays.get().replays().forEach(r -> out.println("    to " + r.targetTopic() + " at " + r.at() + " by " + r.by()
          + " (" + ReservedNames.REPLAY_COUNT_HEADER + "=" + r.replayCount() + ")"));
    }
    out.println();
    out.println("Attempts:" + (deadLetter.getAttempts().isEmpty() ? " none" : ""));
    for (ExecutionAttempt attempt : deadLetter.getAttempts()) {
      out.println("  #" + attempt.getAttempt() + "  " + attempt.getAt() + "  "
          + TextFormat.orNone(attempt.getError() != null ? attempt.getError() : attempt.getErrorClass()));
    }
    out.println();
    out.println("Original record:");
    field(out, "key", TextFormat.bytes(DeadLetterEntry.bytes(deadLetter.getOriginalKey())));
    out.println("  headers:" + (deadLetter.getOriginalHeaders().isEmpty() ? " none" : ""));
    for (KafkaHeader header : deadLetter.getOriginalHeaders()) {
      out.println("    " + header.getKey() + ": " + TextFormat.bytes(DeadLetterEntry.bytes(header.getValue())));
    }
    if (original.decoded()) {
      out.println("  value (" + original.type() + "):");
      try {
        JSON.writeValueAsString(original.json()).lines().forEach(line -> out.println("    " + line));
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot write the original value as JSON", e);
      }
    } else {
      field(out, "value", "not decoded (" + original.error() + ")");
      field(out, "raw value", base64OrNull(DeadLetterEntry.bytes(deadLetter.getOriginalValue())));
    }
  }

  private static void field(PrintWriter out, String name, String value) {
    out.println("  " + name + " ".repeat(Math.max(1, 15 - name.length())) + value);
  }

  private static String base64(byte[] bytes) {
    return bytes == null ? null : Base64.getEncoder().encodeToString(bytes);
  }

  private static String base64OrNull(byte[] bytes) {
    return bytes == null ? "(null)" : "base64:" + base64(bytes);
  }
}
