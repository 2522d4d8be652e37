package io.fabric.cli;

import io.fabric.cli.reconcile.Reconciliation;
import io.fabric.cli.reconcile.Reconciliation.Backlog;
import io.fabric.cli.reconcile.Reconciliation.Entered;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.TaskRequest;
import io.fabric.dlq.ReplayLedger;
import io.fabric.policy.topology.PolicyTopology;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.fabric.schemas.records.ScanConsumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsSpec;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fabric reconcile}: proves every request that entered ended in exactly one place. */
@Command(name = "reconcile", mixinStandardHelpOptions = true,
    description = {"Report each request's single terminal state; exit 1 if any request was lost or duplicated.",
        "A request without an outcome is in flight while a fabric consumer group still has records to process, lost once none has."})
public final class ReconcileCommand implements Callable<Integer> {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int LISTED = 50;

  @Mixin
  ConnectionOptions kafka;

  @Option(names = "--since", paramLabel = "DURATION", description = "Only records that entered within this ISO-8601 duration (e.g. PT1H).")
  Duration since;

  @Mixin
  OutputOptions output;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    Reconciliation.Report report = reconcile(kafka.connection(), kafka.catalog(), since);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      out.println(Json.write(report));
    } else {
      out.printf("requests: %d, undecodable ingress records: %d%n", report.requests(), report.undecodableRecords());
      report.byState().forEach((state, count) -> out.printf("  %-40s %d%n", state, count));
      out.printf("dead letters without a request id: %d, failed compensations: %d%n", report.undecodable(), report.compensationFailures());
      out.printf("lost: %d, duplicated: %d, in flight: %d%n", report.lost().size(), report.duplicated().size(), report.inFlight().size());
      report.lost().forEach(o -> out.println("  LOST " + o.requestId() + (o.outcomes().isEmpty() ? "" : " (last status " + o.outcomes().get(0) + ")")));
      report.duplicated().forEach(o -> out.println("  DUPLICATED " + o.requestId() + " " + o.outcomes()));
      report.inFlight().stream().limit(LISTED).forEach(o -> out.println("  IN_FLIGHT " + o.requestId()));
      if (report.inFlight().size() > LISTED) {
        out.printf("  ... and %d more in flight%n", report.inFlight().size() - LISTED);
      }
      if (!report.backlog().isEmpty()) {
        out.println("still to process (the fabric is busy):");
        report.backlog().stream().limit(LISTED).forEach(b -> out.printf("  %s: %s-%d from offset %d (end %d)%n",
            b.group(), b.topic(), b.partition(), b.committedOffset(), b.endOffset()));
      }
    }
    return report.clean() ? 0 : 1;
  }

  /** Reads every topic the verdict needs, to the committed end, and reconciles. */
  public static Reconciliation.Report reconcile(KafkaConnection connection, TopicCatalog catalog, Duration since) {
    long from = since == null ? Long.MIN_VALUE : System.currentTimeMillis() - since.toMillis();
    List<Entered> entered = ingress(connection, catalog).stream().filter(e -> enteredAt(e) >= from).toList();
    // read the backlog first: a request that finishes meanwhile then shows up as done, never as lost
    List<Backlog> backlog = backlog(connection, catalog);
    List<DeadLetter> letters = LatestByKeyReader.everything(connection, catalog.dlq);
    return new Reconciliation()
        .entered(entered)
        .backlog(backlog)
        .blocked(LatestByKeyReader.everything(connection, catalog.blocked))
        .revisions(LatestByKeyReader.everything(connection, catalog.flowRevisions))
        .deadLetters(letters, replayedBack(connection, catalog, letters))
        .statuses(LatestByKeyReader.everything(connection, catalog.requestStatus))
        .report();
  }

  private static long enteredAt(Entered entered) {
    return entered.request() != null ? entered.request().getSubmittedAt() : entered.timestamp();
  }

  /** Every ingress record, decoded where it decodes; bytes that do not are kept by position. */
  private static List<Entered> ingress(KafkaConnection connection, TopicCatalog catalog) {
    TopicSpec<String, byte[]> raw = new TopicSpec<>(catalog.ingress.name(), Serdes::String, Serdes::ByteArray,
        catalog.ingress.partitions(), Map.of(), catalog.ingress.purpose());
    Deserializer<TaskRequest> requests = catalog.ingress.valueSerde().deserializer();
    // like the apps: an unknown writer schema is looked up on the schemas topic before giving up
    requests.configure(connection.clientConfig(), false);
    List<Entered> entered = new ArrayList<>();
    try {
      LatestByKeyReader.scan(connection, raw, record -> entered.add(decode(record, requests)));
    } finally {
      requests.close();
    }
    return entered;
  }

  private static Entered decode(ConsumerRecord<String, byte[]> record, Deserializer<TaskRequest> requests) {
    TaskRequest request = null;
    try {
      request = record.value() == null ? null : requests.deserialize(record.topic(), record.value());
    } catch (SerializationException | IllegalArgumentException e) {
      // stays null: undecodable
    }
    return new Entered(record.topic(), record.partition(), record.offset(), record.timestamp(), request);
  }

  /** The dead letters a replay sent back into a topic the fabric consumes; their replays' outcomes count instead. */
  private static Set<String> replayedBack(KafkaConnection connection, TopicCatalog catalog, List<DeadLetter> letters) {
    ReplayLedger ledger = ReplayLedger.read(connection, catalog.dlqReplays);
    Set<String> back = new HashSet<>();
    for (DeadLetter letter : letters) {
      ledger.entry(letter.getId()).ifPresent(entry -> {
        if (entry.unreadable() || entry.replays().stream().anyMatch(r -> consumedByFabric(catalog, r.targetTopic()))) {
          back.add(letter.getId());
        }
      });
    }
    return back;
  }

  private static boolean consumedByFabric(TopicCatalog catalog, String topic) {
    return topic.equals(catalog.ingress.name()) || topic.equals(catalog.replays.name()) || topic.equals(catalog.routed.name())
        || topic.equals(catalog.approvals.name())
        || catalog.isPluginTasksTopic(topic);
  }

  /**
   * The consumer groups of the fabric and the topics each must drain: the policy and router Streams
   * apps (plus their repartition topics, found in their committed offsets) and every plugin's
   * runtime and canary runtime. Group names come from the catalog, as the apps' own do.
   */
  static Map<String, List<String>> fabricGroups(TopicCatalog catalog) {
    Map<String, List<String>> groups = new LinkedHashMap<>();
    groups.put(catalog.applicationId(TopicCatalog.POLICY_STAGE), List.of(catalog.ingress.name(), catalog.replays.name(), catalog.approvals.name()));
    groups.put(catalog.applicationId(TopicCatalog.ROUTER_STAGE), List.of(catalog.routed.name()));
    for (String plugin : catalog.pluginNames()) {
      groups.put(catalog.pluginGroupId(plugin, false), List.of(catalog.pluginTasks(plugin).name()));
      groups.put(catalog.pluginGroupId(plugin, true), List.of(catalog.pluginCanaryTasks(plugin).name()));
    }
    return groups;
  }

  /**
   * Partitions where a fabric group has a committed record it has not processed: between its
   * committed offset (or the log start, for a group that never committed there) and the last
   * stable offset there is at least one record that a read_committed reader sees (transaction
   * markers and aborted records do not count).
   */
  static List<Backlog> backlog(KafkaConnection connection, TopicCatalog catalog) {
    Map<String, List<String>> groups = fabricGroups(catalog);
    try (Admin admin = Admin.create(connection.clientConfig())) {
      Set<String> existing = admin.listTopics().names().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      Map<String, Integer> partitions = new HashMap<>();
      List<String> sourceTopics = groups.values().stream().flatMap(List::stream).filter(existing::contains).distinct().toList();
      admin.describeTopics(sourceTopics).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
          .forEach((topic, description) -> partitions.put(topic, description.partitions().size()));
      // Committed offsets group by group in pipeline order, then the end offsets: a record that is
      // in flight meanwhile is either still upstream of the next group listed, or done (and its
      // outcome committed before the outcomes are read), so it cannot slip between two listings.
      Map<String, Map<TopicPartition, Long>> starts = new LinkedHashMap<>();
      Set<TopicPartition> all = new HashSet<>();
      for (Map.Entry<String, List<String>> group : groups.entrySet()) {
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(
                Map.of(group.getKey(), new ListConsumerGroupOffsetsSpec()), new ListConsumerGroupOffsetsOptions().requireStable(true))
            .partitionsToOffsetAndMetadata(group.getKey()).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        Map<TopicPartition, Long> from = new TreeMap<>(Comparator
            .comparing((TopicPartition tp) -> pipelineOrder(catalog, tp.topic())).thenComparing(TopicPartition::topic)
            .thenComparingInt(TopicPartition::partition));
        committed.forEach((tp, offset) -> {
          if (offset != null && existing.contains(tp.topic())) {
            from.put(tp, offset.offset());
          }
        });
        for (String topic : group.getValue()) {
          for (int p = 0; p < partitions.getOrDefault(topic, 0); p++) {
            from.putIfAbsent(new TopicPartition(topic, p), -1L);
          }
        }
        starts.put(group.getKey(), from);
        all.addAll(from.keySet());
      }
      Map<TopicPartition, Long> earliest = listOffsets(admin, all, OffsetSpec.earliest());
      Map<TopicPartition, Long> stable = listOffsets(admin, all, OffsetSpec.latest());
      List<Backlog> candidates = new ArrayList<>();
      starts.forEach((group, from) -> from.forEach((tp, offset) -> {
        long start = offset < 0 ? earliest.get(tp) : Math.max(offset, earliest.get(tp));
        if (start < stable.get(tp)) {
          candidates.add(new Backlog(group, tp.topic(), tp.partition(), start, stable.get(tp)));
        }
      }));
      return withRecords(connection, candidates);
    } catch (ExecutionException e) {
      throw new KafkaException("cannot read the fabric's consumer groups: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new KafkaException("timed out reading the fabric's consumer groups", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KafkaException("interrupted", e);
    }
  }

  /** Where a source topic sits in the policy app's pipeline: ingress, then the repartition hops, then anything else. */
  private static int pipelineOrder(TopicCatalog catalog, String topic) {
    List<String> order = List.of(catalog.ingress.name(),
        catalog.repartitionTopic(TopicCatalog.POLICY_STAGE, PolicyTopology.BY_IDEMPOTENCY_KEY_REPARTITION),
        catalog.repartitionTopic(TopicCatalog.POLICY_STAGE, PolicyTopology.BY_REQUEST_ID_REPARTITION),
        catalog.repartitionTopic(TopicCatalog.POLICY_STAGE, PolicyTopology.BY_FLOW_REPARTITION),
        catalog.repartitionTopic(TopicCatalog.POLICY_STAGE, PolicyTopology.ALLOWED_BY_TENANT_REPARTITION));
    if (topic.equals(catalog.replays.name())) {
      return 0;
    }
    int at = order.indexOf(topic);
    return at < 0 ? order.size() : at;
  }


  private static Map<TopicPartition, Long> listOffsets(Admin admin, Set<TopicPartition> partitions, OffsetSpec spec)
      throws ExecutionException, InterruptedException, TimeoutException {
    Map<TopicPartition, OffsetSpec> request = new HashMap<>();
    partitions.forEach(tp -> request.put(tp, spec));
    Map<TopicPartition, Long> result = new HashMap<>();
    admin.listOffsets(request, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all()
        .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).forEach((tp, info) -> result.put(tp, info.offset()));
    return result;
  }

  /** The candidates that hold at least one committed record between their start and end (a range may hold only markers). */
  private static List<Backlog> withRecords(KafkaConnection connection, List<Backlog> candidates) {
    if (candidates.isEmpty()) {
      return List.of();
    }
    Map<String, Object> config = connection.clientConfig();
    config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.CLIENT_ID_CONFIG, "fabric-reconcile");
    List<Backlog> found = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer = new ScanConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      // one pass per candidate: a partition may be a candidate of two groups (a topic two apps read)
      for (Backlog candidate : candidates) {
        TopicPartition tp = new TopicPartition(candidate.topic(), candidate.partition());
        consumer.assign(List.of(tp));
        consumer.seek(tp, candidate.committedOffset());
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        boolean hasRecord = false;
        while (!hasRecord && consumer.position(tp, TIMEOUT) < candidate.endOffset()) {
          if (System.nanoTime() > deadline) {
            throw new KafkaException("timed out reading " + tp + " from offset " + candidate.committedOffset());
          }
          hasRecord = consumer.poll(Duration.ofMillis(200)).records(tp).stream()
              .anyMatch(r -> r.offset() < candidate.endOffset());
        }
        if (hasRecord) {
          found.add(candidate);
        }
      }
    }
    return found;
  }
}
