package io.fabric.cli.faults;

import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.sandbox.VendorSandbox;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;

/**
 * What the suites that run {@code fabric run} as child processes share: the children's JVM flags,
 * the approver the {@link SteadyLoad} signs as, and the client settings that make a killed member's
 * partitions move in seconds rather than 45 s.
 */
final class ChildFabrics {
  static final String APPROVER = "faults";

  private ChildFabrics() {}

  /** Small heaps and the C1 compiler only: several fabric JVMs share two cores with the brokers. */
  static List<String> jvmArgs(VendorSandbox sandbox) {
    List<String> jvm = new ArrayList<>(List.of("-Xmx320m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-Dorg.slf4j.simpleLogger.log.io.fabric=info",
        "-Dorg.slf4j.simpleLogger.showDateTime=true", "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS"));
    sandbox.systemProperties().forEach((key, value) -> jvm.add("-D" + key + "=" + value));
    return jvm;
  }

  /** Writes {@code approvers.yaml} naming the load's approver, and returns its key pair. */
  static KeyPair approver(Path dir) throws IOException {
    KeyPair approver = ApproverKeys.newKeyPair();
    ApproverKeys.writePublicKey(dir.resolve(APPROVER + ".pub"), approver.getPublic());
    Files.writeString(dir.resolve("approvers.yaml"), "approvers:\n  " + APPROVER + ": { public_key_file: " + APPROVER
        + ".pub, actions: [create_charge, send_whatsapp], tenants: [\"*\"] }\n");
    return approver;
  }

  /** {@code client.properties} for {@code --command-config}: a 6 s session timeout. */
  static Path clientProperties(Path dir) throws IOException {
    return Files.writeString(dir.resolve("client.properties"), "session.timeout.ms=6000\nheartbeat.interval.ms=1500\n");
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return socket.getLocalPort();
    }
  }
}
