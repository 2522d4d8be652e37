package io.fabric.cli.dlq;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code fabric dlq}: find, inspect and replay dead letters. Exit codes: 0 done, 1 error, 2 bad
 * usage, 3 some records refused by {@code replay}.
 */
@Command(name = "dlq", mixinStandardHelpOptions = true, descriptionHeading = "%n", optionListHeading = "%nOptions:%n",
    sortOptions = false, usageHelpAutoWidth = true,
    description = "Find, inspect and replay dead letters (records a stage could not process).",
    subcommands = {ListCommand.class, ShowCommand.class, StatsCommand.class, ReplayCommand.class})
public final class DlqCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;


  @Override
  public Integer call() {
    spec.commandLine().getErr().println("Missing command: use one of list, show, stats, replay.");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE;
  }
}
