package io.fabric.cli;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.plugins.flows.FlowRollback;
import io.fabric.policy.identity.TenantScope;
import io.fabric.schemas.records.LatestByKeyReader;
import java.io.PrintWriter;
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

/** {@code fabric flows show}: the latest checkpoint of a flow, and with --history every revision. */
@Command(name = "flows", mixinStandardHelpOptions = true, description = "Inspect and roll back durable flows.",
    subcommands = {FlowsCommand.Show.class, FlowsCommand.Rollback.class})
final class FlowsCommand {
  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = "Undo a flow's compensable steps in reverse order (a dry run unless --execute).")
  static final class Rollback implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Parameters(paramLabel = "FLOW_ID")
    String flowId;

    @Option(names = "--reason", defaultValue = "rolled back by hand", description = "Why (kept in the checkpoints).")
    String reason;

    @Option(names = "--execute", description = "Start the rollback; without it, only show what would be undone.")
    boolean execute;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      FlowRollback.Plan plan = FlowRollback.plan(kafka.connection(), kafka.catalog(), flowId);
      out.printf("flow %s is %s (revision %d)%n", plan.flowId(), plan.status(), plan.revision());
      plan.toCompensate().forEach(s -> out.printf("  %s %-24s %s (%s)%n", execute ? "undo" : "would undo", s.getAction(), s.getRequestId(), s.getPlugin()));
      plan.notCompensable().forEach(s -> out.printf("  keep %-24s %s: %s cannot undo it%n", s.getAction(), s.getRequestId(), s.getPlugin()));
      if (!execute) {
        out.println("dry run: nothing was changed; add --execute to start the rollback");
        return 0;
      }
      FlowRollback.Started started = FlowRollback.start(kafka.connection(), kafka.catalog(), flowId, reason, "cli");
      out.println("rollback started (request " + started.rollbackRequestId() + "); follow it with `fabric flows show " + flowId + " --history`");
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a flow's latest checkpoint (or every revision).")
  static final class Show implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Parameters(paramLabel = "FLOW_ID")
    String flowId;

    @Option(names = "--history", description = "Every revision, oldest first.")
    boolean history;

    @Mixin
    TenantScopeOptions scopeOptions;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      List<FlowCheckpoint> revisions = history
          ? LatestByKeyReader.all(kafka.connection(), kafka.catalog().flowRevisions, flowId, c -> true)
          : LatestByKeyReader.latest(kafka.connection(), kafka.catalog().flowState, flowId).map(List::of).orElse(List.of());
      TenantScope scope = scopeOptions.scope();
      if (revisions.isEmpty() || !scope.allows(revisions.get(revisions.size() - 1).getTenantId())) {
        // another tenant's flow is answered like an unknown one
        throw new IllegalStateException("no checkpoint for flow " + flowId + TenantScopeOptions.suffix(scope) + " yet");
      }
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        List<Object> json = new ArrayList<>();
        revisions.forEach(c -> json.add(toJson(c)));
        out.println(Json.write(history ? json : json.get(0)));
        return 0;
      }
      for (FlowCheckpoint c : revisions) {
        out.printf("flow %s  revision %d (%s)  %s  %s  tenant=%s submitter=%s  %s%n", c.getFlowId(), c.getRevision(), c.getRevisionId(),
            c.getAt(), c.getStatus(), c.getTenantId(), orNone(c.getSubmitter()), c.getNote());
        for (FlowStep step : c.getSteps()) {
          out.printf("  step %-24s %-10s request=%s submitter=%s attempts=%d%n", step.getAction(), step.getStatus(), step.getRequestId(),
              orNone(step.getSubmitter()), step.getAttempts().size());
        }
        out.println("  state " + c.getState());
      }
      return 0;
    }

    private static String orNone(String value) {
      return value == null ? "-" : value;
    }

    static Map<String, Object> toJson(FlowCheckpoint c) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("flow_id", c.getFlowId());
      json.put("tenant_id", c.getTenantId());
      json.put("revision", c.getRevision());
      json.put("revision_id", c.getRevisionId());
      json.put("at", c.getAt());
      json.put("note", c.getNote());
      json.put("status", c.getStatus());
      json.put("submitter", c.getSubmitter());
      json.put("state", Json.parse(c.getState()));
      List<Map<String, Object>> steps = new ArrayList<>();
      for (FlowStep s : c.getSteps()) {
        Map<String, Object> step = new LinkedHashMap<>();
        step.put("request_id", s.getRequestId());
        step.put("action", s.getAction());
        step.put("plugin", s.getPlugin());
        step.put("status", s.getStatus());
        step.put("submitter", s.getSubmitter());
        step.put("attempts", s.getAttempts().size());
        step.put("result", Json.parse(s.getResult()));
        steps.add(step);
      }
      json.put("steps", steps);
      return json;
    }
  }
}
