package io.fabric.dlq.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code dlq}: find, inspect and replay dead letters. Mount it as a subcommand of {@code fabric},
 * or run it on its own with {@code new CommandLine(new DlqCommand()).execute(args)}; it never
 * exits the JVM, and every outcome is an exit code: 0 done, 1 error, 2 bad usage, 3 some records
 * refused by {@code replay}.
 */
@Command(name = "dlq", descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
    sortOptions = false, usageHelpAutoWidth = true,
    description = "Find, inspect and replay dead letters (records a stage could not process).",
    subcommands = {ListCommand.class, ShowCommand.class, StatsCommand.class, ReplayCommand.class})
public final class DlqCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  HelpOption helpOption;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("Missing command: use one of list, show, stats, replay.");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE;
  }
}
