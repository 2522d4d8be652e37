package io.fabric.cli;

import io.fabric.audit.evidence.EvidenceExporter;
import io.fabric.audit.evidence.EvidenceVerifier;
import io.fabric.policy.approvals.ApproverRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fabric evidence export|verify}: a flow's self-contained evidence pack, and its offline check. */
@Command(name = "evidence", mixinStandardHelpOptions = true, description = "Export and verify a flow's evidence pack.",
    subcommands = {EvidenceCommand.Export.class, EvidenceCommand.Verify.class})
final class EvidenceCommand {
  @Command(name = "export", mixinStandardHelpOptions = true,
      description = "Write every request, decision, approval token, checkpoint and chained audit record of a flow to a JSON pack.")
  static final class Export implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Parameters(paramLabel = "FLOW_ID")
    String flowId;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the pack (must not exist).")
    Path out;

    @Option(names = "--approvers", paramLabel = "FILE", description = "Approver registry: the approvers' public keys go into the pack.")
    Path approvers;

    @Option(names = "--submitters", paramLabel = "FILE", description = "Submitter registry: the submitters' public keys go into the pack.")
    Path submitters;

    @Option(names = "--topic", paramLabel = "TOPIC", description = "The chain topic (default: the catalog's audit chain).")
    String topic;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      var catalog = kafka.catalog();
      EvidenceExporter.Export export = EvidenceExporter.export(new EvidenceExporter.Sources(kafka.connection(), catalog,
          topic == null ? catalog.auditChain.name() : topic,
          approvers == null ? null : ApproverRegistry.load(ApproverRegistry.Role.APPROVERS, approvers),
          submitters == null ? null : ApproverRegistry.load(ApproverRegistry.Role.SUBMITTERS, submitters)), flowId, Instant.now());
      if (export.itemsByKind().isEmpty()) {
        throw new IllegalStateException("nothing recorded for flow " + flowId);
      }
      Files.writeString(out, export.text(), StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE_NEW);
      spec.commandLine().getOut().println("wrote " + out + ": " + export.itemsByKind());
      return 0;
    }
  }

  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = "Check a pack offline (no Kafka): digests, chain hashes, signatures; with --against-kafka also against the live "
          + "topics; exit 1 on any failure.")
  static final class Verify implements Callable<Integer> {
    @Parameters(paramLabel = "FILE")
    Path file;

    @Option(names = "--against-kafka", description = "Also compare every item (and each chain head) with the record the live topics hold "
        + "at its position, byte for byte: what ties the pack to what the fabric wrote (needs the connection options).")
    boolean againstKafka;

    @Mixin
    ConnectionOptions kafka;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      EvidenceVerifier.Report report;
      if (againstKafka) {
        try (io.fabric.audit.chain.AuditChainReader.LiveReader live = new io.fabric.audit.chain.AuditChainReader.LiveReader(kafka.connection())) {
          report = EvidenceVerifier.verify(Files.readAllBytes(file), live);
        }
      } else {
        report = EvidenceVerifier.verify(Files.readAllBytes(file));
      }
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(json(report)));
      } else {
        report.checks().forEach(out::println);
        out.println("what this pack cannot prove on its own:");
        report.cannotProve().forEach(line -> out.println("  - " + line));
        long failed = report.checks().stream().filter(c -> !c.ok()).count();
        out.println(file + ": " + (report.ok() ? "verified, " + report.checks().size() + " checks" : "FAILED, " + failed + " of "
            + report.checks().size() + " checks"));
      }
      return report.ok() ? 0 : 1;
    }

    /** What {@code evidence verify -o json} prints; the gateway's {@code /v1/evidence/{flowId}/verification} too. */
    static Map<String, Object> json(EvidenceVerifier.Report report) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("verified", report.ok());
      List<Object> checks = new ArrayList<>();
      report.checks().forEach(c -> checks.add(Map.of("ok", c.ok(), "subject", c.subject(), "detail", c.detail())));
      json.put("checks", checks);
      json.put("cannot_prove", report.cannotProve());
      return json;
    }
  }
}
