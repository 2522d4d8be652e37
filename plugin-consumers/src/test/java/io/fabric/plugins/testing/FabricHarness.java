package io.fabric.plugins.testing;

import static org.awaitility.Awaitility.await;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.flows.FlowHistoryReader;
import io.fabric.plugins.runtime.ExecutionIntent;
import io.fabric.plugins.runtime.PluginRuntime;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * One test's own namespace on the shared embedded broker: a catalog with a unique prefix and its
 * topics, a plain producer of routed tasks, readers of what the runtimes wrote, and the runtimes it
 * started (closed with the harness).
 */
public final class FabricHarness implements AutoCloseable {
  public static final Duration WAIT = Duration.ofSeconds(45);

  public final KafkaConnection connection;
  public final TopicCatalog catalog;
  /** What the runtimes this harness starts record into; a test reads it through {@link #counted}. */
  public final io.fabric.observability.FabricMetrics metrics =
      new io.fabric.observability.FabricMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
  private final KafkaProducer<String, RoutedTask> producer;
  private final List<PluginRuntime> runtimes = new ArrayList<>();

  private FabricHarness(KafkaConnection connection, TopicCatalog catalog) {
    this.connection = connection;
    this.catalog = catalog;
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    TopicSpec<String, RoutedTask> any = catalog.routed;
    this.producer = new KafkaProducer<>(config, any.keySerde().serializer(), any.valueSerde().serializer());
  }

  /** A fresh namespace with every catalog topic (plus the intents topic) created with Admin. */
  public static FabricHarness create(Collection<String> pluginNames) throws Exception {
    KafkaConnection connection = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicCatalog catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("t") + ".", 3, pluginNames);
    List<NewTopic> topics = new ArrayList<>();
    for (TopicSpec<?, ?> spec : catalog.all()) {
      if (spec.name().startsWith(catalog.prefix())) {
        topics.add(spec.newTopic((short) 1));
      }
    }
    try (Admin admin = Admin.create(connection.clientConfig())) {
      admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
    }
    return new FabricHarness(connection, catalog);
  }

  /** Starts a runtime and waits until it owns (and restored) all of its task partitions. */
  public PluginRuntime start(FabricPlugin plugin, PluginRuntimeConfig config) {
    PluginRuntime runtime = startWithoutWaiting(plugin, config);
    await().atMost(WAIT).until(() -> runtime.assignment().size() == catalog.partitions() || runtime.failure().isPresent());
    runtime.failure().ifPresent(e -> {
      throw new AssertionError("runtime failed to start", e);
    });
    return runtime;
  }

  public PluginRuntime startWithoutWaiting(FabricPlugin plugin, PluginRuntimeConfig config) {
    PluginRuntime runtime = new PluginRuntime(connection, catalog, plugin, config, metrics);
    runtimes.add(runtime);
    runtime.start();
    return runtime;
  }

  /** The sum of a counter's series with these tags ({@code key, value, ...}), 0 when none. */
  public double counted(String name, String... tags) {
    return metrics.registry().find(name).tags(tags).counters().stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  public static TaskRequest request(String flowId, String action, String payload, boolean finalStep) {
    String id = UUID.randomUUID().toString();
    return TaskRequest.newBuilder()
        .setRequestId(id)
        .setTenantId("acme")
        .setFlowId(flowId)
        .setAction(action)
        .setPayload(payload)
        .setIdempotencyKey("idem-" + id)
        .setSubmittedAt(System.currentTimeMillis())
        .setSource("test")
        .setTraceparent(TraceContext.newTraceparent())
        .setFinalStep(finalStep)
        .build();
  }

  public static RoutedTask routed(TaskRequest request) {
    PolicyDecision decision = PolicyDecision.newBuilder().setActionClass("A").setRule("default:class-a")
        .setPolicyVersion("test-policy").setDecidedAt(System.currentTimeMillis()).build();
    return RoutedTask.newBuilder().setRequest(request).setDecision(decision).build();
  }

  /** Produces the routed task onto the plugin's task topic, keyed by flow id, with its traceparent header. */
  public RoutedTask send(String plugin, TaskRequest request) throws Exception {
    RoutedTask task = routed(request);
    ProducerRecord<String, RoutedTask> record = new ProducerRecord<>(catalog.pluginTasks(plugin).name(), request.getFlowId(), task);
    TraceContext.set(record.headers(), request.getTraceparent());
    producer.send(record).get(30, TimeUnit.SECONDS);
    return task;
  }

  public Optional<FlowCheckpoint> latest(String flowId) {
    return FlowHistoryReader.latest(connection, catalog, flowId);
  }

  public List<FlowCheckpoint> history(String flowId) {
    return FlowHistoryReader.history(connection, catalog, flowId);
  }

  public FlowCheckpoint awaitStatus(String flowId, String status) {
    return await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
        .until(() -> latest(flowId).filter(c -> c.getStatus().equals(status)).orElse(null), c -> c != null);
  }

  public FlowCheckpoint awaitRevision(String flowId, int revision) {
    return await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
        .until(() -> latest(flowId).filter(c -> c.getRevision() >= revision).orElse(null), c -> c != null);
  }

  public Optional<RequestStatus> status(String requestId) {
    return LatestByKeyReader.latest(connection, catalog.requestStatus, requestId);
  }

  public List<DeadLetter> deadLetters(String flowId) {
    return LatestByKeyReader.all(connection, catalog.dlq, flowId, d -> true);
  }

  public List<AuditEvent> audits(String flowId) {
    return LatestByKeyReader.all(connection, catalog.audit, flowId, a -> true);
  }

  /** Every committed record of a topic's partition holding {@code key}, with headers (values left as bytes). */
  public List<ConsumerRecord<String, byte[]>> rawRecords(TopicSpec<String, ?> topic, String key) {
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, topic.keySerde().deserializer(),
        new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
      TopicPartition tp = new TopicPartition(topic.name(), LatestByKeyReader.partitionFor(key, catalog.partitions()));
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      while (consumer.position(tp) < end) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> {
          if (key.equals(r.key())) {
            records.add(r);
          }
        });
      }
      return records;
    }
  }

  /** A flow id whose partition differs from (or equals) the given one's. */
  public String flowIdOnPartition(String prefix, int partition) {
    for (int i = 0; ; i++) {
      String candidate = prefix + "-" + i;
      if (LatestByKeyReader.partitionFor(candidate, catalog.partitions()) == partition) {
        return candidate;
      }
    }
  }

  /** The offset a consumer group committed on one partition, -1 if none. */
  public long committedOffset(String groupId, String topic, int partition) throws Exception {
    try (Admin admin = Admin.create(connection.clientConfig())) {
      var offsets = admin.listConsumerGroupOffsets(groupId).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
      var offset = offsets.get(new TopicPartition(topic, partition));
      return offset == null ? -1 : offset.offset();
    }
  }

  public int partitionOf(String flowId) {
    return LatestByKeyReader.partitionFor(flowId, catalog.partitions());
  }

  @Override
  public void close() {
    runtimes.forEach(PluginRuntime::close);
    producer.close(Duration.ofSeconds(5));
  }
}
