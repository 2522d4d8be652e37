package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.approvals.ApproverKeys;
import java.nio.file.Files;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FabricCommandTest {
  /**
   * The command tree grows with every issue; a command that declares its own {@code -o} or
   * {@code --bootstrap-server} drifts from the others (defaults, help text, accepted values).
   */
  @Test
  void everyCommandTakesOutputAndConnectionOptionsFromTheSharedMixins() {
    List<String> strays = new ArrayList<>();
    walk(FabricMain.commandLine(), commandLine -> {
      CommandSpec spec = commandLine.getCommandSpec();
      if (commandLine.getCommand() instanceof CommandLine.HelpCommand) {
        return;
      }
      Class<?> kafka = spec.mixins().values().stream().anyMatch(m -> m.userObject() instanceof ClusterOrEmbeddedOptions)
          ? ClusterOrEmbeddedOptions.class : ConnectionOptions.class;
      check(spec, "-o", OutputOptions.class, strays);
      check(spec, "--bootstrap-server", kafka, strays);
      check(spec, "--command-config", kafka, strays);
      check(spec, "--topic-prefix", ConnectionOptions.class, strays);
      if (!spec.mixinStandardHelpOptions()) {
        strays.add(spec.qualifiedName() + ": no standard help options");
      }
    });
    assertEquals(List.of(), strays);
  }

  @Test
  void aKafkaTimeoutSaysKafkaDidNotAnswer() {
    assertEquals("no answer from Kafka in time: Timed out waiting for a node assignment",
        FabricMain.oneLine(new org.apache.kafka.common.errors.TimeoutException("Timed out waiting for a node assignment")));
  }

  private static void walk(CommandLine commandLine, Consumer<CommandLine> visit) {
    visit.accept(commandLine);
    commandLine.getSubcommands().values().forEach(sub -> walk(sub, visit));
  }

  private static void check(CommandSpec spec, String name, Class<?> mixin, List<String> strays) {
    OptionSpec option = spec.findOption(name);
    if (option != null && !(option.userObject() instanceof Field field && field.getDeclaringClass() == mixin)) {
      strays.add(spec.qualifiedName() + " " + name + " is not " + mixin.getSimpleName() + "'s");
    }
  }

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
  void aMisspeltPolicyKeyIsRefusedWithFileAndLine(@TempDir Path dir) throws Exception {
    // Given a policy whose quorum key is misspelt
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "approvals:\n  actions:\n    create_charge: { quorom: 2 }\n");

    // When the fabric is started with it
    CliRun run = CliRun.of("run", "--bootstrap-server", "127.0.0.1:1", "--policy", policy.toString(), "--data-dir", dir.toString());

    // Then it exits 1 with one line naming the file, the line and the key
    assertEquals(1, run.exitCode(), run.toString());
    assertEquals("error: policy file " + policy + ":3: unknown key 'quorom' in approvals.actions.create_charge; expected deadline, quorum",
        run.err().strip(), run.toString());
  }

  @Test
  void aQuorumTheApproversCannotMeetIsRefusedBeforeAnythingStarts(@TempDir Path dir) throws Exception {
    // Given a quorum of 2 for create_charge and a registry with a single approver
    ApproverKeys.generate("alice", dir.resolve("keys"));
    Path approvers = Files.writeString(dir.resolve("approvers.yaml"),
        "approvers:\n  alice: { public_key_file: keys/alice.pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Path policy = Files.writeString(dir.resolve("policy.yaml"), "approvals:\n  actions:\n    create_charge: { quorum: 2 }\n");

    // When the fabric is started with both
    CliRun run = CliRun.of("run", "--bootstrap-server", "127.0.0.1:1", "--policy", policy.toString(), "--approvers", approvers.toString(),
        "--data-dir", dir.toString());

    // Then it exits 1 with one line naming the action, the quorum and who may approve it
    assertEquals(1, run.exitCode(), run.toString());
    assertEquals(1, run.err().strip().lines().count(), run.toString());
    assertTrue(run.err().contains("approvals.actions.create_charge.quorum is 2, but at most 1 registered approver can approve"
        + " create_charge for any one tenant (alice)"), run.toString());
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
      // bench and bench-gateway have no default on purpose: without --bootstrap-server they run on an embedded broker of their own
      if (option != null && !java.util.Set.of("bench", "bench-gateway").contains(command.getCommandSpec().name())) {
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

  @Test
  void keysGenerateWritesASubmitterKeyPairThatTheSubmitterRegistryAccepts(@TempDir Path dir) throws Exception {
    CliRun run = CliRun.of("keys", "generate", "--submitter", "billing-agent", "--out", dir.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("submitter registry (--submitters)"), run.toString());
    assertTrue(run.out().contains("actions: [fabric.gateway, \"*\"]"), "how the gateway's own key gets its scope: " + run);
    Files.writeString(dir.resolve("submitters.yaml"), "submitters:\n  billing-agent: { public_key_file: billing-agent.pub, actions: [\"*\"], tenants: [acme] }\n");
    io.fabric.policy.approvals.ApproverRegistry registry = io.fabric.policy.approvals.ApproverRegistry.load(
        io.fabric.policy.approvals.ApproverRegistry.Role.SUBMITTERS, dir.resolve("submitters.yaml"));
    assertTrue(registry.find("billing-agent").isPresent());
    assertEquals(2, CliRun.of("keys", "generate", "--approver", "a", "--submitter", "b", "--out", dir.toString()).exitCode(),
        "one role per key pair");
  }
}
