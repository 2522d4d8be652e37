package io.fabric.cli;

import io.fabric.schemas.records.DeadLetters;
import java.io.PrintWriter;
import picocli.CommandLine;

/** Entry point: maps every failure to one line and an exit code (0 ok, 1 failure, 2 usage). */
public final class FabricMain {
  private FabricMain() {}

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line, also used by tests to run commands with captured output. */
  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new FabricCommand());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      PrintWriter err = commandLine.getErr();
      err.println("error: " + oneLine(e));
      if (parseResult.hasMatchedOption("--verbose")) {
        e.printStackTrace(err);
      }
      err.flush();
      return 1;
    });
    cli.setParameterExceptionHandler((e, args) -> {
      PrintWriter err = e.getCommandLine().getErr();
      err.println("error: " + e.getMessage());
      err.println("usage: " + e.getCommandLine().getCommandSpec().qualifiedName() + " --help");
      err.flush();
      return 2;
    });
    return cli;
  }

  /** The failure as a person reads it: a Kafka timeout says that Kafka did not answer, anything else its message. */
  static String oneLine(Exception e) {
    String described = DeadLetters.describe(e).replaceFirst("^[A-Za-z]*(Exception|Error): ", "");
    return e instanceof org.apache.kafka.common.errors.TimeoutException ? "no answer from Kafka in time: " + described : described;
  }
}
