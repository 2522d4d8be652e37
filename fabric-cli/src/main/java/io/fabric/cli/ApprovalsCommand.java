package io.fabric.cli;

import io.fabric.contracts.PendingApproval;
import io.fabric.policy.center.ApprovalCenter;
import java.io.PrintWriter;
import java.time.Duration;
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

/** {@code fabric approvals list}: what waits for a decision. */
@Command(name = "approvals", mixinStandardHelpOptions = true, description = "The approval center.", subcommands = ApprovalsCommand.ListPending.class)
final class ApprovalsCommand {
  @Command(name = "list", mixinStandardHelpOptions = true, description = "Pending requests with age, deadline and approvals so far.")
  static final class ListPending implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Option(names = "--tenant")
    String tenant;

    @Option(names = {"-o", "--output"}, defaultValue = "text", description = "text or json.")
    OutputFormat output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<PendingApproval> pending = new ApprovalCenter(kafka.connection(), kafka.catalog()).pending(Optional.ofNullable(tenant));
      long now = System.currentTimeMillis();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (PendingApproval p : pending) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("request_id", p.getRequest().getRequestId());
        row.put("tenant_id", p.getRequest().getTenantId());
        row.put("flow_id", p.getRequest().getFlowId());
        row.put("action", p.getRequest().getAction());
        row.put("age", Duration.ofMillis(now - p.getPendingSince()).withNanos(0).toString());
        row.put("deadline", Instant.ofEpochMilli(p.getDeadline()).toString());
        row.put("approvals", p.getApprovals().size());
        row.put("approvals_needed", p.getApprovalsNeeded());
        rows.add(row);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (output == OutputFormat.json) {
        out.println(Json.write(rows));
        return 0;
      }
      out.printf("%-38s %-12s %-28s %-10s %-22s %s%n", "REQUEST", "TENANT", "ACTION", "AGE", "DEADLINE", "APPROVALS");
      rows.forEach(r -> out.printf("%-38s %-12s %-28s %-10s %-22s %s/%s%n", r.get("request_id"), r.get("tenant_id"), r.get("action"),
          r.get("age"), r.get("deadline"), r.get("approvals"), r.get("approvals_needed")));
      if (rows.isEmpty()) {
        out.println("(nothing waits for approval)");
      }
      return 0;
    }
  }
}
