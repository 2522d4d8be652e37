package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FabricCommandTest {
  @Test
  void noCommandIsAUsageError() {
    CliRun run = CliRun.of();
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains("missing command"), run.toString());
  }

  @Test
  void anUnknownOptionIsAUsageError() {
    CliRun run = CliRun.of("submit", "--tenant", "t", "--action", "a", "--no-such-option");
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().startsWith("error: Unknown option: '--no-such-option'"), run.toString());
  }

  @Test
  void aMissingRequiredOptionIsAUsageError() {
    CliRun run = CliRun.of("submit", "--action", "summarize");
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains("--tenant"), run.toString());
  }

  @Test
  void aFailurePrintsOneLineAndExitsOne() {
    CliRun run = CliRun.of("submit", "--tenant", "t", "--action", "summarize", "--payload", "@/no/such/file.json");
    assertEquals(1, run.exitCode(), run.toString());
    assertEquals(1, run.err().strip().lines().count(), run.toString());
    assertTrue(run.err().startsWith("error: "), run.toString());
  }

  @Test
  void verboseAddsTheStackTrace() {
    CliRun run = CliRun.of("--verbose", "submit", "--tenant", "t", "--action", "summarize", "--payload", "@/no/such/file.json");
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains("\tat "), run.toString());
  }

  @Test
  void aPolicyThatLoosensClassCIsRefusedWithAClearError(@TempDir Path dir) throws Exception {
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, "classes:\n  A: [exfiltrate_secrets]\n");
    CliRun run = CliRun.of("run", "--bootstrap-server", "127.0.0.1:1", "--policy", policy.toString(), "--data-dir", dir.toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains("a class-C action can never leave class C"), run.toString());
  }

  @Test
  void anUnknownOrMalformedPluginRuntimeSettingIsRefusedBeforeAnythingStarts(@TempDir Path dir) {
    CliRun unknown = CliRun.of("run", "--bootstrap-server", "127.0.0.1:1", "--data-dir", dir.toString(),
        "--config", "fabric.plugin.runtime.batch.linger=5");
    assertEquals(1, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().contains("unknown plugin runtime setting fabric.plugin.runtime.batch.linger"), unknown.toString());
    CliRun malformed = CliRun.of("run", "--bootstrap-server", "127.0.0.1:1", "--data-dir", dir.toString(),
        "--config", "fabric.plugin.runtime.batch.linger.ms=soon");
    assertEquals(1, malformed.exitCode(), malformed.toString());
    assertTrue(malformed.err().contains("fabric.plugin.runtime.batch.linger.ms must be a whole number, got 'soon'"), malformed.toString());
  }

  @Test
  void everyCommandTakesItsBootstrapServerFromTheSameDefaultAndEnvironmentVariable() {
    java.util.List<String> checked = new java.util.ArrayList<>();
    java.util.Deque<picocli.CommandLine> commands = new java.util.ArrayDeque<>(java.util.List.of(FabricMain.commandLine()));
    while (!commands.isEmpty()) {
      picocli.CommandLine command = commands.pop();
      commands.addAll(command.getSubcommands().values());
      // the expression as written, not its value in this environment
      command.getCommandSpec().interpolateVariables(false);
      picocli.CommandLine.Model.OptionSpec option = command.getCommandSpec().findOption("--bootstrap-server");
      // bench has no default on purpose: without --bootstrap-server it runs on its own embedded broker
      if (option != null && !command.getCommandSpec().name().equals("bench")) {
        assertEquals(io.fabric.schemas.config.KafkaConnection.BOOTSTRAP_OPTION_DEFAULT, option.defaultValue(),
            command.getCommandSpec().qualifiedName());
        checked.add(command.getCommandSpec().qualifiedName());
      }
    }
    assertTrue(checked.contains("fabric dlq list") && checked.contains("fabric status"), checked.toString());
  }

  @Test
  void keysGenerateWritesAKeyPair(@TempDir Path dir) {
    CliRun run = CliRun.of("keys", "generate", "--approver", "alice", "--out", dir.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(Files.exists(dir.resolve("alice.key")) && Files.exists(dir.resolve("alice.pub")));
    CliRun again = CliRun.of("keys", "generate", "--approver", "alice", "--out", dir.toString());
    assertEquals(1, again.exitCode(), "never overwrites a key: " + again);
  }
}
