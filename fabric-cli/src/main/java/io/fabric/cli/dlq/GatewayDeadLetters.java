package io.fabric.cli.dlq;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.dlq.DeadLetterEntry;
import io.fabric.dlq.DeadLetterFilter;
import io.fabric.dlq.DeadLetterReader;
import io.fabric.dlq.DeadLetterReplayer;
import io.fabric.dlq.OriginalValue;
import io.fabric.dlq.ReplayLedger;
import io.fabric.dlq.ReplayLedgerTopic;
import io.fabric.dlq.ReplayListener;
import io.fabric.dlq.ReplayOptions;
import io.fabric.dlq.ReplayReport;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.http.DeadLetterDesk;
import io.fabric.gateway.http.QueryParams;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The dead letters behind {@code /v1/dead-letters}: the same reader, views and replayer as
 * {@code fabric dlq list/show/replay -o json}, so the console shows and does exactly what the CLI does.
 * A replay is of one dead letter, with the CLI's defaults (loop guard {@value ReplayOptions#DEFAULT_MAX_REPLAYS}
 * replays, to the replays topic for a request), signed with the gateway's own submitter key when it has one.
 */
public final class GatewayDeadLetters implements DeadLetterDesk {
  /** The query parameters {@link #list} reads; any other is refused, so a mistyped filter never lists everything. */
  static final Set<String> FILTERS = Set.of("tenant", "flow", "action", "stage", "reason", "error", "from", "to", "by_duration");
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

  private final KafkaConnection connection;
  private final TopicCatalog catalog;
  private final RequestSigner signer;

  /** @param signer the gateway's submitter key, or null when the fabric runs without a submitter registry */
  public GatewayDeadLetters(KafkaConnection connection, TopicCatalog catalog, RequestSigner signer) {
    this.connection = connection;
    this.catalog = catalog;
    this.signer = signer;
  }

  @Override
  public List<Item> list(Map<String, List<String>> filters) {
    DeadLetterFilter filter = filter(filters);
    List<DeadLetterEntry> entries = new DeadLetterReader(connection, catalog.dlq).read(filter);
    ReplayLedger ledger = ReplayLedger.read(connection, ReplayLedgerTopic.spec(catalog));
    return entries.stream().map(e -> item(e, ListCommand.summary(e, ledger))).toList();
  }

  @Override
  public Optional<Item> find(String id) {
    return new DeadLetterReader(connection, catalog.dlq).find(id).map(entry -> {
      ReplayLedger ledger = ReplayLedger.read(connection, ReplayLedgerTopic.spec(catalog));
      OriginalValue original = entry.readable()
          ? OriginalValue.decode(catalog, entry.deadLetter().getOriginalTopic(), DeadLetterEntry.bytes(entry.deadLetter().getOriginalValue()))
          : null;
      return item(entry, ShowCommand.json(entry, original, ledger.entry(entry.id()), catalog));
    });
  }

  @Override
  public Map<String, Object> replay(String id, Predicate<String> tenantAllowed, boolean execute, String by) {
    Predicate<DeadLetterEntry> selected = entry -> entry.id().equals(id) && tenantAllowed.test(entry.tenant());
    DeadLetterReplayer replayer = new DeadLetterReplayer(connection, catalog, Clock.systemUTC(), by);
    if (signer != null) {
      replayer.signedBy(signer);
    }
    ReplayReport report = execute
        ? replayer.execute(selected, ReplayOptions.defaults(), ReplayListener.NONE)
        : replayer.dryRun(selected, ReplayOptions.defaults());
    return DlqSubcommand.JSON.convertValue(ReplayCommand.json(report, "id=" + id), MAP);
  }

  /**
   * {@code fabric dlq list}'s filters from query parameters (a parameter repeated or comma-separated
   * accepts several values).
   *
   * @throws IllegalArgumentException naming the parameter that is wrong
   */
  static DeadLetterFilter filter(Map<String, List<String>> query) {
    QueryParams params = new QueryParams(query, FILTERS);
    DeadLetterFilter.Builder builder = DeadLetterFilter.builder()
        .tenants(params.values("tenant")).flows(params.values("flow")).actions(params.values("action"))
        .stages(params.values("stage")).reasons(params.values("reason"));
    params.single("error").ifPresent(builder::error);
    params.single("from").map(v -> parsed("from", v, DeadLetterFilter::parseDateTime)).ifPresent(builder::from);
    params.single("to").map(v -> parsed("to", v, DeadLetterFilter::parseDateTime)).ifPresent(builder::to);
    params.single("by_duration").map(v -> parsed("by_duration", v, DeadLetterFilter::parseDuration)).ifPresent(builder::byDuration);
    return builder.build();
  }

  private static <T> T parsed(String name, String value, java.util.function.Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
    }
  }

  private static Item item(DeadLetterEntry entry, ObjectNode view) {
    return new Item(entry.id(), entry.tenant(), DlqSubcommand.JSON.convertValue(view, MAP));
  }
}
