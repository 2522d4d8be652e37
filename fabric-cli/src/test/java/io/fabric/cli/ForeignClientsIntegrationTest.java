package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric.contracts.RequestStatus;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka contract (docs/kafka-contract.md) used by real clients that are not Java: the examples
 * under {@code examples/} run against the whole fabric with a submitter registry, as a Python or a
 * shell upstream would. Each test is skipped, saying which Debian package is missing, where its
 * client is not installed ({@code .ci/run} installs them).
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class ForeignClientsIntegrationTest {
  private static final Path EXAMPLES = Path.of("..", "examples");
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final List<String> SHELL_TOOLS = List.of("kcat", "openssl", "bash");
  private static final String PYTHON_MISSING = "no python3 with confluent_kafka, avro and cryptography (Debian packages "
      + "python3-confluent-kafka, python3-avro, python3-cryptography); .ci/run installs them";

  @TempDir
  static Path dir;

  private static String prefix;
  private static KafkaConnection kafka;
  private static TopicCatalog catalog;
  private static FabricRuntime runtime;
  private static Optional<String> python;
  private static Optional<String> missingShellTool;

  @BeforeAll
  static void startFabricWithASubmitterRegistry() throws Exception {
    python = pythonWithTheClientModules();
    missingShellTool = SHELL_TOOLS.stream().filter(tool -> !onPath(tool)).findFirst();
    assumeTrue(python.isPresent() || missingShellTool.isEmpty(), "skipped: neither client is installed; " + PYTHON_MISSING);
    prefix = EmbeddedKafkaExtension.uniqueName("foreign") + ".";
    assertEquals(0, CliRun.of("keys", "generate", "--submitter", "billing-agent", "--out", dir.resolve("keys").toString()).exitCode());
    Files.writeString(dir.resolve("submitters.yaml"),
        "submitters:\n  billing-agent: { public_key_file: keys/billing-agent.pub, actions: [summarize], tenants: [acme] }\n");
    ConnectionOptions options = new ConnectionOptions();
    options.bootstrapServer = EmbeddedKafkaExtension.bootstrapServers();
    options.topicPrefix = prefix;
    options.partitions = 3;
    CliRun topics = CliRun.of("topics", "apply", "--bootstrap-server", options.bootstrapServer, "--topic-prefix", prefix);
    assertEquals(0, topics.exitCode(), topics.toString());
    AppOptions apps = new AppOptions();
    apps.submittersFile = dir.resolve("submitters.yaml");
    runtime = FabricRuntime.start(apps.settings(options, options.bootstrapServer, dir.resolve("state")));
    kafka = KafkaConnection.of(options.bootstrapServer);
    catalog = TopicCatalog.create(prefix, 3, List.of());
  }

  @AfterAll
  static void stopFabric() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void aPythonSubmitterSignsARequestThatExecutesAndAnUnsignedOneIsBlocked() throws Exception {
    String python = requirePython();

    // When the Python example submits a signed request and waits for its status
    Run signed = run(python, EXAMPLES.resolve("python/submit.py").toString(), "--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(),
        "--topic-prefix", prefix, "--tenant", "acme", "--action", "summarize", "--final",
        "--payload", "{\"text\":\"Python wrote this record. The gate checked its signature.\"}",
        "--key", dir.resolve("keys/billing-agent.key").toString(), "--wait", "60");
    Run unsigned = run(python, EXAMPLES.resolve("python/submit.py").toString(), "--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(),
        "--topic-prefix", prefix, "--tenant", "acme", "--action", "summarize", "--payload", "{\"text\":\"nobody signed this\"}");

    // Then the signed one ran, as the script itself read from fabric.requests.status, and the unsigned one did not
    assertEquals(0, signed.exit(), signed.toString());
    String signedId = signed.lines().get(0);
    assertTrue(signed.lines().get(1).contains("\"outcome\": \"EXECUTED\""), signed.toString());
    assertEquals("EXECUTED", finalStatus(signedId).getOutcome());
    assertEquals("billing-agent", finalStatus(signedId).getSubmitter());
    assertEquals(javaPartitionOf("acme|" + signedId), ingressPartitionOf("acme|" + signedId),
        "murmur2_random puts the record where Kafka's Java partitioner would, so the gate needs no repartition");
    assertEquals(0, unsigned.exit(), unsigned.toString());
    assertEquals("UNAUTHENTICATED", refusal(unsigned.lines().get(0)).getReason());
  }

  @Test
  void thePythonEncoderReproducesTheContractsTestVectorByteForByte() throws Exception {
    String python = requirePython();

    Run check = run(python, EXAMPLES.resolve("python/test_contract.py").toString());

    assertEquals(0, check.exit(), check.toString());
  }

  @Test
  void aShellSubmitterWithKcatAndOpensslSignsARequestThatExecutes() throws Exception {
    missingShellTool.ifPresent(tool ->
        assumeTrue(false, "skipped: `" + tool + "` is not installed (Debian package " + tool + "); .ci/run installs it"));
    String script = EXAMPLES.resolve("kcat/submit.sh").toString();

    Run signed = run("bash", script, "-b", EmbeddedKafkaExtension.bootstrapServers(), "-P", prefix, "-t", "acme", "-a", "summarize",
        "-p", "{\"text\":\"kcat sent these bytes. openssl signed them.\"}", "-k", dir.resolve("keys/billing-agent.key").toString());
    Run unsigned = run("bash", script, "-b", EmbeddedKafkaExtension.bootstrapServers(), "-P", prefix, "-t", "acme", "-a", "summarize");

    assertEquals(0, signed.exit(), signed.toString());
    assertEquals("EXECUTED", finalStatus(signed.lines().get(0)).getOutcome(), signed.toString());
    assertEquals(javaPartitionOf("acme|" + signed.lines().get(0)), ingressPartitionOf("acme|" + signed.lines().get(0)));
    assertEquals(0, unsigned.exit(), unsigned.toString());
    assertEquals("UNAUTHENTICATED", refusal(unsigned.lines().get(0)).getReason());
  }

  private static int javaPartitionOf(String key) {
    return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % catalog.partitions();
  }

  /** The partition of the ingress topic the record keyed {@code key} was written to. */
  private static int ingressPartitionOf(String key) {
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(kafka.clientConfig(), new StringDeserializer(),
        new ByteArrayDeserializer())) {
      List<TopicPartition> partitions = consumer.partitionsFor(catalog.ingress.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      return await().atMost(WAIT).until(() -> {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
          if (key.equals(record.key())) {
            return record.partition();
          }
        }
        return -1;
      }, p -> p >= 0);
    }
  }

  /**
   * The refusal on fabric.tasks.blocked: a record that proves no identity is refused there (and
   * audited) without writing the status of the id it names, which may be a signed request's.
   */
  private static io.fabric.contracts.BlockedTask refusal(String requestId) {
    var blocked = catalog.blocked;
    var values = blocked.valueSerde().deserializer();
    values.configure(kafka.clientConfig(), false);
    // the gate writes the refusal in a transaction: one it aborts (and runs again) never happened
    Map<String, Object> config = kafka.clientConfig();
    config.put(org.apache.kafka.clients.consumer.ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, io.fabric.contracts.BlockedTask> consumer = new KafkaConsumer<>(config,
        new StringDeserializer(), values)) {
      List<TopicPartition> partitions = consumer.partitionsFor(blocked.name()).stream()
          .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      return await().atMost(WAIT).until(() -> {
        for (ConsumerRecord<String, io.fabric.contracts.BlockedTask> record : consumer.poll(Duration.ofMillis(200))) {
          if (requestId.equals(record.value().getRequest().getRequestId())) {
            return Optional.of(record.value());
          }
        }
        return Optional.<io.fabric.contracts.BlockedTask>empty();
      }, Optional::isPresent).orElseThrow();
    }
  }

  private static RequestStatus finalStatus(String requestId) {
    return await().atMost(WAIT).until(() -> LatestByKeyReader.latest(kafka, catalog.requestStatus, requestId),
        s -> s.isPresent() && Outcome.valueOf(s.get().getOutcome()).terminal()).orElseThrow();
  }

  /**
   * A python3 that can import the example's modules: {@code FABRIC_PYTHON}, the one on the PATH, or
   * Debian's (a pyenv or venv python3 on the PATH does not see Debian's python3-* packages).
   */
  private static Optional<String> pythonWithTheClientModules() throws Exception {
    List<String> candidates = new ArrayList<>();
    Optional.ofNullable(System.getenv("FABRIC_PYTHON")).ifPresent(candidates::add);
    candidates.addAll(List.of("python3", "/usr/bin/python3"));
    for (String candidate : candidates) {
      if (onPath(candidate) && run(candidate, "-c", "import confluent_kafka, avro.io, cryptography").exit() == 0) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static String requirePython() {
    assumeTrue(python.isPresent(), "skipped: " + PYTHON_MISSING);
    return python.get();
  }

  private static boolean onPath(String program) {
    if (program.contains("/")) {
      return Files.isExecutable(Path.of(program));
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String entry : path.split(java.io.File.pathSeparator)) {
      if (!entry.isEmpty() && Files.isExecutable(Path.of(entry, program))) {
        return true;
      }
    }
    return false;
  }

  record Run(int exit, String out, String err) {
    List<String> lines() {
      return out.strip().lines().toList();
    }

    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private static Run run(String... command) throws Exception {
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return new Run(-1, Files.readString(out), Files.readString(err) + "\n(killed after 90 s)");
    }
    return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
  }
}
