package io.fabric.cli;

import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.breakers.BreakerCenter;
import io.fabric.policy.breakers.BreakerReset;
import io.fabric.policy.breakers.BreakerResetVerifier;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fabric breakers list|reset}: the breakers the policy tripped, and lifting one with an approver's signature. */
@Command(name = "breakers", mixinStandardHelpOptions = true, description = "Show tripped breakers and reset one.",
    subcommands = {BreakersCommand.ListBreakers.class, BreakersCommand.Reset.class})
final class BreakersCommand {
  private BreakersCommand() {}

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Every tenant or submitter a breaker paused, and why.")
  static final class ListBreakers implements Callable<Integer> {
    @Option(names = "--approvers", paramLabel = "FILE",
        description = "The approver registry the fabric runs with: count a reset only when its signature verifies, as the gate does.")
    Path approvers;

    @Option(names = "--all", description = "Also show breakers that were reset.")
    boolean all;

    @Mixin
    ConnectionOptions kafka;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Optional<BreakerResetVerifier> verifier = Optional.ofNullable(approvers).map(ApproverRegistry::load)
          .map(registry -> new BreakerResetVerifier(registry::find));
      Map<String, BreakerCenter.Row> board = new BreakerCenter(kafka.connection(), kafka.catalog()).board(verifier);
      List<Map<String, Object>> rows = new ArrayList<>();
      board.forEach((scope, row) -> {
        if (!row.tripped() && !all) {
          return;
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scope", scope);
        json.put("state", row.tripped() ? "TRIPPED" : "RESET");
        json.put("breaker", row.trip().breaker());
        json.put("rule", row.trip().rule());
        json.put("total", row.trip().total());
        json.put("paused", row.trip().hold() ? "hold" : "block");
        json.put("tenant", row.trip().tenant());
        json.put("tripped_at", Instant.ofEpochMilli(row.trip().trippedAt()).toString());
        json.put("trip_id", row.trip().tripId());
        json.put("reset_by", row.reset() == null ? null : row.reset().approver());
        json.put("reset_verified", row.reset() == null ? null : row.verified());
        rows.add(json);
      });
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(rows));
        return 0;
      }
      rows.forEach(r -> out.printf("%-28s %-16s %s  since %s  trip %s%s%n", r.get("scope"), r.get("state"), r.get("rule"), r.get("tripped_at"),
          r.get("trip_id"), r.get("reset_by") == null ? "" : "  reset by " + r.get("reset_by")
              + (Boolean.TRUE.equals(r.get("reset_verified")) ? "" : " (signature not checked here)")));
      out.println(board.values().stream().filter(BreakerCenter.Row::tripped).count() + " tripped breaker(s)"
          + (verifier.isEmpty() ? " (resets not verified here: pass --approvers to check them as the gate does)" : ""));
      return 0;
    }
  }

  @Command(name = "reset", mixinStandardHelpOptions = true,
      description = "Lift a tripped breaker: a reset signed with an approver's key (scope: action fabric.breakers.reset or *, and the tenant)."
          + " The gate verifies it, then judges the held requests again, in order, by the policy in force.")
  static final class Reset implements Callable<Integer> {
    @Parameters(paramLabel = "TENANT|SUBMITTER", description = "The tripped scope: tenant:NAME, submitter:NAME, or a NAME that is one of them.")
    String name;

    @Option(names = "--key", required = true, paramLabel = "FILE", description = "The approver's private key (NAME.key from `fabric keys generate`).")
    Path key;

    @Option(names = "--reason", required = true, paramLabel = "TEXT", description = "Why it is safe to lift (kept in the audit trail).")
    String reason;

    @Option(names = "--approvers", paramLabel = "FILE",
        description = "The approver registry the fabric runs with: a breaker already lifted by a verified reset is not reset again.")
    Path approvers;

    @Mixin
    ConnectionOptions kafka;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      BreakerCenter center = new BreakerCenter(kafka.connection(), kafka.catalog());
      BreakerCenter.Row row = BreakerCenter.resolve(center.board(Optional.ofNullable(approvers).map(ApproverRegistry::load)
          .map(registry -> new BreakerResetVerifier(registry::find))), name);
      String approver = ApproverKeys.approverOf(key);
      BreakerReset reset = center.reset(row.trip(), approver, ApproverKeys.readPrivateKey(key), reason, System.currentTimeMillis());
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("scope", reset.scope());
        json.put("trip_id", reset.tripId());
        json.put("approver", approver);
        json.put("reason", reset.reason());
        out.println(Json.write(json));
      } else {
        out.println("reset of " + reset.scope() + " (trip " + reset.tripId() + ") signed by " + approver + " and written to "
            + kafka.catalog().breakers.name() + "; the gate lifts it once it verifies the signature, then judges the held requests again");
      }
      return 0;
    }
  }
}
