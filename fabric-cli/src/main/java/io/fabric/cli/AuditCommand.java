package io.fabric.cli;

import io.fabric.audit.chain.AuditChainReader;
import io.fabric.audit.chain.ChainHash;
import io.fabric.audit.chain.ChainVerifier;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fabric audit tail|verify}: read and verify the hash-chained audit trail on {@code fabric.audit.chain}. */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Read and verify the hash-chained audit trail.",
    subcommands = {AuditCommand.Tail.class, AuditCommand.Verify.class})
final class AuditCommand {
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Walk every partition of the chain from its earliest record, recompute each hash, check sequences and links; exit 1 on a break.")
  static final class Verify implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The chain topic to verify (default: the catalog's audit chain, e.g. fabric.audit.chain).")
    String topic;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      String chain = topic == null ? kafka.catalog().auditChain.name() : topic;
      List<ChainVerifier.PartitionReport> reports = AuditChainReader.verify(kafka.connection(), chain);
      // records in a transaction still open are invisible to this read_committed walk: say where the verified part ends
      Map<Integer, Long> openFrom = AuditChainReader.openTransactionsFrom(kafka.connection(), chain);
      boolean intact = reports.stream().allMatch(ChainVerifier.PartitionReport::intact);
      long records = reports.stream().mapToLong(ChainVerifier.PartitionReport::records).sum();
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(json(chain, reports, openFrom)));
      } else {
        for (ChainVerifier.PartitionReport r : reports) {
          out.println(r.summary());
          r.breaks().forEach(b -> out.println("  BREAK " + b));
          if (openFrom.containsKey(r.partition())) {
            out.println("  from offset " + openFrom.get(r.partition()) + " on: in a transaction not yet committed or aborted, not verified "
                + "(the broker aborts it after its timeout; run verify again)");
          }
        }
        out.println(chain + ": " + (intact ? "verified, " + records + " records in " + reports.size() + " partitions"
            : "BROKEN, " + reports.stream().mapToInt(r -> r.breaks().size()).sum() + " break(s)"));
      }
      return intact ? 0 : 1;
    }

    /** What {@code audit verify -o json} prints; the gateway's {@code /v1/audit/verification} too. */
    static Map<String, Object> verification(io.fabric.schemas.config.KafkaConnection connection, String chain) {
      return json(chain, AuditChainReader.verify(connection, chain), AuditChainReader.openTransactionsFrom(connection, chain));
    }

    private static Map<String, Object> json(String chain, List<ChainVerifier.PartitionReport> reports, Map<Integer, Long> openFrom) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("topic", chain);
      json.put("verified", reports.stream().allMatch(ChainVerifier.PartitionReport::intact));
      json.put("records", reports.stream().mapToLong(ChainVerifier.PartitionReport::records).sum());
      List<Object> partitions = new ArrayList<>();
      for (ChainVerifier.PartitionReport r : reports) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("partition", r.partition());
        p.put("records", r.records());
        p.put("first_offset", r.empty() ? null : r.firstOffset());
        p.put("first_sequence", r.empty() ? null : r.firstSequence());
        p.put("last_offset", r.empty() ? null : r.lastOffset());
        p.put("last_sequence", r.empty() ? null : r.lastSequence());
        p.put("head_hash", r.headHex());
        p.put("from_genesis", !r.empty() && r.fromGenesis());
        List<Object> breaks = new ArrayList<>();
        r.breaks().forEach(b -> breaks.add(Map.of("offset", b.offset(), "kind", b.kind().name(), "detail", b.detail())));
        p.put("breaks", breaks);
        p.put("open_transaction_from_offset", openFrom.get(r.partition()));
        partitions.add(p);
      }
      json.put("partitions", partitions);
      return json;
    }
  }

  @Command(name = "tail", mixinStandardHelpOptions = true, description = "The last audit events of the chain, filtered.")
  static final class Tail implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The chain topic (default: the catalog's audit chain).")
    String topic;

    @Option(names = "--tenant", paramLabel = "T", description = "Only this tenant's events.")
    String tenant;

    @Option(names = "--type", paramLabel = "TYPE", description = "Only events of this type, e.g. TOKEN_REJECTED.")
    String type;

    @Option(names = "--flow", paramLabel = "F", description = "Only this flow's events.")
    String flow;

    @Option(names = "--request", paramLabel = "R", description = "Only this request's events.")
    String request;

    @Option(names = "--since", paramLabel = "DURATION", description = "Only events of the last DURATION, e.g. PT1H.")
    Duration since;

    @Option(names = "-n", paramLabel = "N", defaultValue = "20", description = "How many of the last matching events (default ${DEFAULT-VALUE}).")
    int count;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    record Row(int partition, long offset, ChainedAuditEvent chained, AuditEvent event) {}

    @Override
    public Integer call() {
      String chain = topic == null ? kafka.catalog().auditChain.name() : topic;
      List<String> undecodable = new ArrayList<>();
      List<Row> rows = matching(AuditChainReader.readAll(kafka.connection(), chain).records(), Instant.now(), undecodable);
      int exit = print(rows);
      // a record that is not a chained event is never a row, but never passed over in silence either (audit verify names it too)
      undecodable.forEach(line -> spec.commandLine().getErr().println(chain + " " + line));
      return undecodable.isEmpty() ? exit : 1;
    }

    /** The last {@code -n} matching events in event time order; every record that is not a readable chained event goes to {@code undecodable}. */
    List<Row> matching(List<AuditChainReader.StoredRecord> records, Instant now, List<String> undecodable) {
      long from = since == null ? Long.MIN_VALUE : now.minus(since).toEpochMilli();
      return matching(records, event -> matches(tenant, event.getTenantId()) && matches(type, event.getType())
          && matches(flow, event.getFlowId()) && matches(request, event.getRequestId()) && event.getAt() >= from, count, undecodable);
    }

    /** The last {@code count} events {@code accept} takes, in event time order; shared with the gateway's {@code /v1/audit/events}. */
    static List<Row> matching(List<AuditChainReader.StoredRecord> records, java.util.function.Predicate<AuditEvent> accept, int count,
                              List<String> undecodable) {
      Deque<Row> last = new ArrayDeque<>();
      for (AuditChainReader.StoredRecord r : records) {
        ChainedAuditEvent chained;
        AuditEvent event;
        try {
          chained = r.chained();
          if (chained == null) {
            throw new IllegalArgumentException("a tombstone");
          }
          event = AuditChainReader.event(chained);
        } catch (RuntimeException e) {
          undecodable.add("partition " + r.partition() + " offset " + r.offset() + ": not a chained audit event (" + e.getMessage()
              + "); run `fabric audit verify`");
          continue;
        }
        if (accept.test(event)) {
          last.addLast(new Row(r.partition(), r.offset(), chained, event));
        }
      }
      List<Row> rows = new ArrayList<>(last);
      rows.sort((a, b) -> Long.compare(a.event().getAt(), b.event().getAt()));
      return rows.subList(Math.max(0, rows.size() - Math.max(0, count)), rows.size());
    }

    private int print(List<Row> rows) {
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        List<Object> json = new ArrayList<>();
        for (Row row : rows) {
          json.add(json(row));
        }
        out.println(Json.write(json));
        return 0;
      }
      for (Row row : rows) {
        AuditEvent e = row.event();
        out.printf("%s  %d@%d #%d  %-20s tenant=%s flow=%s request=%s  %s%n", Instant.ofEpochMilli(e.getAt()), row.partition(), row.offset(),
            row.chained().getSequence(), oneLine(e.getType()), oneLine(dash(e.getTenantId())), oneLine(dash(e.getFlowId())),
            oneLine(dash(e.getRequestId())), oneLine(e.getDetail()));
      }
      return 0;
    }

    /** One event as {@code audit tail -o json} prints it. */
    static Map<String, Object> json(Row row) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("partition", row.partition());
      m.put("offset", row.offset());
      m.put("sequence", row.chained().getSequence());
      m.put("hash", ChainHash.hex(row.chained().getHash()));
      AuditEvent e = row.event();
      m.put("id", e.getId());
      m.put("at", Instant.ofEpochMilli(e.getAt()).toString());
      m.put("type", e.getType());
      m.put("tenant_id", e.getTenantId());
      m.put("flow_id", e.getFlowId());
      m.put("request_id", e.getRequestId());
      m.put("action", e.getAction());
      m.put("submitter", e.getSubmitter());
      m.put("policy_version", e.getPolicyVersion());
      m.put("detail", e.getDetail());
      return m;
    }

    private static boolean matches(String wanted, String actual) {
      return wanted == null || wanted.equals(actual);
    }

    /**
     * Anyone who can write fabric.audit chooses an event's text: a newline or an escape sequence in it would print a
     * made-up row (or hide one) on the terminal, so control characters are shown escaped.
     */
    static String oneLine(String value) {
      StringBuilder text = new StringBuilder(value.length());
      value.codePoints().forEach(c -> text.append(Character.isISOControl(c) || c == 0x2028 || c == 0x2029
          ? String.format(java.util.Locale.ROOT, "\\u%04x", c) : new String(Character.toChars(c))));
      return text.toString();
    }

    private static String dash(String value) {
      return value == null ? "-" : value;
    }
  }
}
