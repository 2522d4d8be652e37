package io.fabric.cli.dlq;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.dlq.DeadLetterEntry;
import io.fabric.dlq.DeadLetterFilter;
import io.fabric.dlq.DeadLetterReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;

/** {@code fabric dlq stats}: where the dead letters come from and why. */
@Command(name = "stats", mixinStandardHelpOptions = true, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
    description = "Count dead letters by stage, reason, error class, tenant and action.",
    sortOptions = false, usageHelpAutoWidth = true)
public final class StatsCommand extends DlqSubcommand {
  static final String NONE = "(none)";

  @Mixin
  FilterOptions filterOptions;

  @Override
  public Integer call() {
    DeadLetterFilter filter = filterOptions.toFilter(spec, readScope);
    TopicCatalog catalog = connectionOptions.catalog();
    List<DeadLetterEntry> entries = new DeadLetterReader(connection(), catalog.dlq).read(filter);
    Map<String, Map<String, Long>> groups = new LinkedHashMap<>();
    groups.put("stage", countBy(entries, DeadLetterEntry::stage));
    groups.put("reason", countBy(entries, DeadLetterEntry::reason));
    groups.put("error_class", countBy(entries, DeadLetterEntry::errorClass));
    groups.put("tenant", countBy(entries, DeadLetterEntry::tenant));
    groups.put("action", countBy(entries, DeadLetterEntry::action));
    if (output.json()) {
      ObjectNode node = JSON.createObjectNode();
      node.put("topic", catalog.dlq.name());
      node.put("total", entries.size());
      groups.forEach((group, counts) -> {
        ObjectNode byValue = node.putObject("by_" + group);
        counts.forEach(byValue::put);
      });
      printJson(node);
      return ExitCode.OK;
    }
    out().println(entries.size() + " dead letter" + (entries.size() == 1 ? "" : "s") + " on " + catalog.dlq.name()
        + " (filters: " + filter.describe() + ")");
    groups.forEach((group, counts) -> {
      if (counts.isEmpty()) {
        return;
      }
      out().println();
      out().println("By " + group.replace('_', ' ') + ":");
      int width = counts.keySet().stream().mapToInt(String::length).max().orElse(0);
      counts.forEach((value, count) -> out().println("  " + value + " ".repeat(width - value.length()) + "  " + count));
    });
    return ExitCode.OK;
  }

  /** Counts per value, most frequent first, then by name; a missing value counts as {@value #NONE}. */
  static Map<String, Long> countBy(List<DeadLetterEntry> entries, Function<DeadLetterEntry, String> key) {
    Map<String, Long> counts = entries.stream().collect(Collectors.groupingBy(
        e -> key.apply(e) == null ? NONE : key.apply(e), TreeMap::new, Collectors.counting()));
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
  }
}
