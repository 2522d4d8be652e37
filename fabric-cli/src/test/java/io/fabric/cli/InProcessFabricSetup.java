package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.deploy.EmbeddedKafkaExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the in-process integration tests (a whole fabric on the embedded broker, started as
 * {@code fabric run} starts it) set up alike: their own topic prefix, an approver alice who may approve
 * everything, a policy, an API key for the gateway, the CLI pointed at their topics.
 */
final class InProcessFabricSetup {
  final Path dir;
  final String prefix;

  InProcessFabricSetup(Path dir, String name) {
    this.dir = dir;
    this.prefix = EmbeddedKafkaExtension.uniqueName(name) + ".";
  }

  /** {@code fabric ARGS}, pointed at the embedded broker and this setup's topics (key generation needs neither). */
  CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!args[0].equals("keys")) {
      all.addAll(List.of("--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix));
    }
    return CliRun.of(all.toArray(String[]::new));
  }

  /** Approver alice (keys/alice.key) for every action and tenant, in approvers.yaml; the policy in policy.yaml; the topics. */
  void approverPolicyAndTopics(String policyYaml) throws IOException {
    assertEquals(0, cli("keys", "generate", "--approver", "alice", "--out", dir.resolve("keys").toString()).exitCode());
    Files.writeString(dir.resolve("approvers.yaml"), "approvers:\n  alice: { public_key_file: keys/alice.pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Files.writeString(dir.resolve("policy.yaml"), policyYaml);
    CliRun topics = cli("topics", "apply");
    assertEquals(0, topics.exitCode(), topics.toString());
  }

  ConnectionOptions kafka() {
    ConnectionOptions kafka = new ConnectionOptions();
    kafka.bootstrapServer = EmbeddedKafkaExtension.bootstrapServers();
    kafka.topicPrefix = prefix;
    kafka.partitions = 3;
    return kafka;
  }

  AppOptions apps() {
    AppOptions apps = new AppOptions();
    apps.policyFile = dir.resolve("policy.yaml");
    apps.approversFile = dir.resolve("approvers.yaml");
    return apps;
  }

  /** A gateway on a free loopback port accepting one API key (named NAME, for TENANTS); the key is in {@link #apiKey(String)}. */
  GatewayOptions gatewayWithKey(String name, String tenants) throws IOException {
    CliRun key = cli("keys", "generate", "--api-key", name, "--tenants", tenants, "--out", dir.resolve("keys").toString());
    assertEquals(0, key.exitCode(), key.toString());
    Files.writeString(dir.resolve("api-keys.yaml"), "keys:\n" + key.out().lines().filter(l -> l.contains("sha256:")).findFirst().orElseThrow() + "\n");
    GatewayOptions gateway = new GatewayOptions();
    gateway.httpHost = "127.0.0.1";
    gateway.httpPort = 0;
    gateway.maxInFlight = 100;
    gateway.maxBatch = 10;
    gateway.apiKeysFile = dir.resolve("api-keys.yaml");
    return gateway;
  }

  /** Another API key (NAME, for TENANTS) accepted by the gateway {@link #gatewayWithKey} configured; call before starting it. */
  void addApiKey(String name, String tenants) throws IOException {
    CliRun key = cli("keys", "generate", "--api-key", name, "--tenants", tenants, "--out", dir.resolve("keys").toString());
    assertEquals(0, key.exitCode(), key.toString());
    Files.writeString(dir.resolve("api-keys.yaml"), key.out().lines().filter(l -> l.contains("sha256:")).findFirst().orElseThrow() + "\n",
        java.nio.file.StandardOpenOption.APPEND);
  }

  String apiKey(String name) throws IOException {
    return Files.readString(dir.resolve("keys/" + name + ".api-key")).strip();
  }
}
