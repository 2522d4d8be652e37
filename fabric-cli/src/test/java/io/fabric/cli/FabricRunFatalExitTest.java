package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plugin runtime that cannot go on (here: fenced by another process with its transactional id)
 * must end {@code fabric run} with a non-zero exit and a one-line reason, so that a supervisor
 * restarts it; a process that stays up with a dead runtime would leave its tasks unprocessed.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class FabricRunFatalExitTest {
  @TempDir
  Path dir;

  @Test
  void fabricRunExitsNonZeroWhenAPluginRuntimeIsFenced() throws Exception {
    // Given fabric run with the plugin runtimes, its builtin runtime in its group
    String prefix = EmbeddedKafkaExtension.uniqueName("fatal") + ".";
    String bootstrap = EmbeddedKafkaExtension.bootstrapServers();
    ConnectionOptions options = new ConnectionOptions();
    options.bootstrapServer = bootstrap;
    options.topicPrefix = prefix;
    options.partitions = 3;
    TopicCatalog catalog = options.catalog();
    KafkaConnection connection = KafkaConnection.of(bootstrap);
    CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of("run", "--bootstrap-server", bootstrap,
        "--topic-prefix", prefix, "--apps", "plugins", "--data-dir", dir.toString(), "--http-port", "0"));
    String group = catalog.pluginGroupId("builtin", false);
    try (Admin admin = Admin.create(connection.clientConfig())) {
      // describing a group that does not exist yet fails: that counts as "not yet"
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> run.isDone() || !admin.describeConsumerGroups(List.of(group))
          .all().get(10, TimeUnit.SECONDS).get(group).members().isEmpty());
    }
    assertTrue(!run.isDone(), () -> "fabric run ended before its runtime joined: " + run.join());

    // When another process takes over the builtin runtime's transactional id, and a task arrives
    Map<String, Object> fencer = connection.clientConfig();
    // the process picked its instance id and keeps it in its data directory
    String instance = java.nio.file.Files.readString(dir.resolve("state").resolve("plugin-runtime").resolve("instance.id")).strip();
    fencer.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, catalog.pluginTransactionalId("builtin", false, instance));
    try (KafkaProducer<String, byte[]> zombieKiller = new KafkaProducer<>(fencer, new StringSerializer(), new ByteArraySerializer())) {
      zombieKiller.initTransactions();
    }
    TopicSpec<String, RoutedTask> tasks = catalog.pluginTasks("builtin");
    try (KafkaProducer<String, RoutedTask> producer = new KafkaProducer<>(connection.clientConfig(), tasks.keySerde().serializer(),
        tasks.valueSerde().serializer())) {
      RoutedTask task = summarize();
      producer.send(new ProducerRecord<>(tasks.name(), task.getRequest().getFlowId(), task)).get(30, TimeUnit.SECONDS);
    }

    // Then fabric run ends on its own, non-zero, saying why in one line
    CliRun result = run.get(90, TimeUnit.SECONDS);
    assertNotEquals(0, result.exitCode(), result::toString);
    assertTrue(result.err().contains("plugin runtime") && result.err().strip().lines().count() == 1, result::toString);
  }

  private static RoutedTask summarize() {
    String id = UUID.randomUUID().toString();
    TaskRequest request = TaskRequest.newBuilder().setRequestId(id).setTenantId("acme").setFlowId("flow-" + id)
        .setAction("summarize").setPayload("{\"text\":\"One. Two.\"}").setIdempotencyKey("idem-" + id)
        .setSubmittedAt(System.currentTimeMillis()).setSource("test").setFinalStep(true).build();
    PolicyDecision decision = PolicyDecision.newBuilder().setActionClass("A").setRule("default:class-a")
        .setPolicyVersion("test").setDecidedAt(System.currentTimeMillis()).build();
    return RoutedTask.newBuilder().setRequest(request).setDecision(decision).build();
  }
}
