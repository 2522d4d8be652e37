package io.fabric.cli.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Usage errors and help: all decided before any connection to Kafka, so no broker is needed. */
class DlqCommandUsageTest {
  /** Nothing listens here; a test that reached Kafka would fail with exit 1, not the 2 expected. */
  private static final String NO_BROKER = "127.0.0.1:1";

  private record Run(int exitCode, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
    }
  }

  private static Run dlq(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = new CommandLine(new DlqCommand());
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int code = commandLine.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  static Stream<Arguments> badUsage() {
    return Stream.of(
        Arguments.of(List.of("list", "--from-datetime", "yesterday"), "--from-datetime"),
        Arguments.of(List.of("list", "--to-datetime", "2026-13-45T00:00:00"), "--to-datetime"),
        Arguments.of(List.of("stats", "--by-duration", "1h"), "--by-duration"),
        Arguments.of(List.of("list", "--by-duration", "PT1H", "--from-datetime", "2026-11-25T00:00:00"), "cannot be used together"),
        Arguments.of(List.of("list", "--from-datetime", "2026-11-25T10:00:00", "--to-datetime", "2026-11-25T09:00:00"), "time window is empty"),
        Arguments.of(List.of("stats", "--error", "(unclosed"), "invalid --error regex"),
        Arguments.of(List.of("list", "-o", "yaml"), "--output"),
        Arguments.of(List.of("list", "--no-such-option"), "Unknown option"),
        Arguments.of(List.of("show"), "Missing required parameter: 'ID'"),
        Arguments.of(List.of("replay", "--rate", "0"), "--rate must be greater than 0"),
        Arguments.of(List.of("replay", "--rate", "fast"), "--rate"),
        Arguments.of(List.of("replay", "--max", "0"), "--max must be at least 1"),
        Arguments.of(List.of("replay", "--max-replays", "0"), "--max-replays must be at least 1"),
        Arguments.of(List.of("replay", "--to-topic", "fabric.dlq"), "cannot be the DLQ"),
        Arguments.of(List.of("replay", "--to-topic", "fabric.dlq.replays"), "cannot be the DLQ"),
        Arguments.of(List.of("replay", "--to-topic", "fabric.tasks.routed"),
            "--to-topic fabric.tasks.routed would skip the policy gate: replays re-enter through the gate only"),
        Arguments.of(List.of("replay", "--to-topic", "fabric.plugin.stripe.tasks"),
            "--to-topic fabric.plugin.stripe.tasks would skip the policy gate: replays re-enter through the gate only"),
        Arguments.of(List.of("replay", "--to-topic", "fabric.tasks.approval-pending"), "would skip the policy gate"),
        Arguments.of(List.of("replay", "--to-topic", "other.tasks.routed", "--topic-prefix", "other."),
            "--to-topic other.tasks.routed would skip the policy gate"),
        Arguments.of(List.of("list", "--command-config", "/no/such/file.properties"), "cannot read --command-config"),
        Arguments.of(List.of("purge"), "Unmatched argument"));
  }

  @ParameterizedTest
  @MethodSource("badUsage")
  void badUsageExitsTwoWithTheReasonOnStderr(List<String> args, String expected) {
    List<String> all = new ArrayList<>(args);
    all.addAll(List.of("--bootstrap-server", NO_BROKER));
    if (args.get(0).equals("purge")) {
      all = args;
    }

    Run run = dlq(all.toArray(String[]::new));

    assertEquals(CommandLine.ExitCode.USAGE, run.exitCode(), run.toString());
    assertTrue(run.err().contains(expected), run.toString());
    assertEquals("", run.out(), run.toString());
  }

  @Test
  void dlqWithoutACommandShowsUsageAndExitsTwo() {
    Run run = dlq();

    assertEquals(CommandLine.ExitCode.USAGE, run.exitCode(), run.toString());
    assertTrue(run.err().contains("Missing command"), run.toString());
    assertTrue(run.err().contains("replay"), run.toString());
  }

  @Command(name = "fabric", subcommands = DlqCommand.class)
  static final class FabricStandIn implements Runnable {
    @Override
    public void run() {}
  }

  @Test
  void worksMountedUnderAnotherCommand() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine fabric = new CommandLine(new FabricStandIn());
    fabric.setOut(new PrintWriter(out, true));
    fabric.setErr(new PrintWriter(err, true));

    int help = fabric.execute("dlq", "replay", "--help");
    int badRate = fabric.execute("dlq", "replay", "--rate", "-1", "--bootstrap-server", NO_BROKER);

    assertEquals(0, help, err.toString());
    assertTrue(out.toString().startsWith("Usage: fabric dlq replay"), out.toString());
    assertEquals(CommandLine.ExitCode.USAGE, badRate, err.toString());
    assertTrue(err.toString().contains("--rate must be greater than 0"), err.toString());
  }

  @Test
  void helpListsTheCommandsAndExitsZero() {
    Run run = dlq("--help");

    assertEquals(0, run.exitCode(), run.toString());
    for (String command : List.of("list", "show", "stats", "replay")) {
      assertTrue(run.out().contains(command), run.toString());
    }
  }

  @Test
  void replayHelpDocumentsKafkasOptionNamesTheDryRunAndTheExitCodes() {
    Run run = dlq("replay", "--help");

    assertEquals(0, run.exitCode(), run.toString());
    for (String text : List.of("--bootstrap-server", "--command-config", "--topic-prefix", "--from-datetime",
        "--to-datetime", "--by-duration", "--tenant", "--flow", "--action", "--stage", "--reason", "--error",
        "--to-topic", "--rate", "--max", "--max-replays", "--execute", "dry run", "3   some dead letters were refused")) {
      assertTrue(run.out().contains(text), "missing " + text + " in\n" + run);
    }
  }
}
