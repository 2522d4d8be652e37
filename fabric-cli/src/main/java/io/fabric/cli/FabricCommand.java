package io.fabric.cli;

import io.fabric.cli.dlq.DlqCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** The {@code fabric} command: one verb per subcommand. */
@Command(name = "fabric", mixinStandardHelpOptions = true, version = "fabric 0.1.0",
    description = "Execution Fabric: policy-gated, durable, audited execution of agent actions on Kafka.",
    subcommands = {RunCommand.class, DemoCommand.class, SubmitCommand.class, StatusCommand.class, TraceCommand.class, FlowsCommand.class,
        ApprovalsCommand.class, DecisionCommand.Approve.class, DecisionCommand.Reject.class, KeysCommand.class,
        io.fabric.cli.bench.BenchCommand.class, io.fabric.cli.bench.BenchGatewayCommand.class,
        TopicsCommand.class, DeployCommand.class, ReconcileCommand.class, DlqCommand.class, AuditCommand.class, EvidenceCommand.class,
        PolicyCommand.class, BreakersCommand.class, AgentsCommand.class,
        CommandLine.HelpCommand.class})
public final class FabricCommand implements Runnable {
  @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Print stack traces of failures.")
  boolean verbose;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: try `fabric demo` or `fabric --help`");
  }
}
