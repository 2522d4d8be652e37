package io.fabric.policy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.policy.NoApproverRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyApp;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyPublisher;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the real broker under exactly_once_v2: a tenant flooding the gate is limited as its policy
 * says (summaries wait and are released in order at the rate; tags over their budget are blocked
 * RATE_LIMITED) while another tenant's p99 submit-to-outcome latency stays within twice its
 * unloaded value, measured in the same test; and requests held when the gate stops are released
 * after a restart that restores the stores from their changelogs, once a published policy raises
 * their limit, each exactly once and in order.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class LimitsIntegrationTest {
  private static final String POLICY = """
      limits:
        rules:
          flood-summaries:
            tenants: [flood-co]
            actions: [summarize]
            rate: { requests: 5, per: PT1S, burst: 5 }
            on_limit: wait
          flood-tags:
            tenants: [flood-co]
            actions: [tag]
            rate: { requests: 2, per: PT1H }
            on_limit: block
          flood-later:
            tenants: [flood-co]
            actions: [classify]
            rate: { requests: 1, per: PT1H }
          everyone:
            rate: { requests: 1000, per: PT1S }
      """;
  private static final String RAISED = POLICY.replace("rate: { requests: 1, per: PT1H }", "rate: { requests: 100, per: PT1S }");
  private static final int FLOOD_SUMMARIES = 15;
  private static final int FLOOD_TAGS = 60;
  private static final int SAMPLES = 20;
  private static final int LATER = 10;

  @TempDir
  Path stateDir;

  @Test
  void aFloodingTenantIsLimitedWhileAnotherKeepsItsLatencyAndHeldRequestsSurviveARestartReleasedInOrderOnce() throws Exception {
    TopicCatalog catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("limits") + ".", 3, List.of());
    KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
    Policy policy = PolicyFile.parse(POLICY);
    List<String> summaries = new ArrayList<>();
    List<String> tags = new ArrayList<>();
    List<String> later = new ArrayList<>();
    try (StatusWatcher statuses = new StatusWatcher(kafka, catalog); FabricClient client = new FabricClient(kafka, catalog)) {
      try (StreamsApp app = PolicyApp.create(kafka, catalog, policy, new NoApproverRegistry(), Files.createDirectory(stateDir.resolve("a")),
          Map.of()).startAndAwait(Duration.ofSeconds(60))) {
        phase("started");
        // Given the calm tenant's latency without load (after a warm-up)
        List<Long> warmedUp = calmLatencies(client, statuses, SAMPLES + 5);
        long unloaded = p99(warmedUp.subList(5, warmedUp.size()));

        phase("unloaded measured");
        // When flood-co floods the gate while calm-co keeps submitting at the same pace
        CompletableFuture<Void> flood = CompletableFuture.runAsync(() -> {
          List<CompletableFuture<TaskRequest>> sent = new ArrayList<>();
          for (int i = 0; i < FLOOD_TAGS; i++) {
            if (i % (FLOOD_TAGS / FLOOD_SUMMARIES) == 0) {
              sent.add(client.submitAsync(Submission.of("flood-co", "summarize").payload("{\"text\":\"s" + i + "\"}")));
            }
            sent.add(client.submitAsync(Submission.of("flood-co", "tag").payload("{\"text\":\"t" + i + "\"}")));
          }
          sent.forEach(f -> {
            TaskRequest r = f.join();
            (r.getAction().equals("summarize") ? summaries : tags).add(r.getRequestId());
          });
        });
        long loaded = p99(calmLatencies(client, statuses, SAMPLES));
        flood.join();
        System.err.printf("limits IT: calm-co p99 %d ms unloaded, %d ms while flood-co floods%n", unloaded, loaded);

        phase("loaded measured");
        // Then calm-co's p99 stays within twice its unloaded value
        assertTrue(loaded <= 2 * unloaded, "calm-co p99 " + loaded + " ms under the flood, " + unloaded + " ms without it");
        // and flood-co's tags over their budget are blocked RATE_LIMITED, as the policy says
        await().atMost(Duration.ofSeconds(60)).until(() -> tags.stream().allMatch(id -> statuses.latest(id) != null
            && !statuses.latest(id).equals("HELD")));
        assertEquals(FLOOD_TAGS - 2, tags.stream().filter(id -> "BLOCKED/RATE_LIMITED".equals(statuses.latest(id))).count());
        assertEquals(2, tags.stream().filter(id -> "ROUTED".equals(statuses.latest(id))).count());
        // and its summaries wait (held), none blocked, and are released in the order held at the rate
        await().atMost(Duration.ofSeconds(90)).until(() -> summaries.stream().allMatch(id -> "ROUTED".equals(statuses.latest(id))));
        assertReleasedInOrderHeld(statuses, summaries);
        long waited = summaries.stream().filter(id -> statuses.first(id, "HELD") != null).count();
        assertTrue(waited > 0, "summaries waited for the rate");
        // the token bucket's promise: by any release, at most the burst plus the rate times the time since the first
        List<Long> releases = summaries.stream().map(id -> statuses.first(id, "ROUTED").getUpdatedAt()).sorted().toList();
        for (int i = 0; i < releases.size(); i++) {
          double allowed = 5 + 5 * (releases.get(i) - releases.get(0)) / 1000.0;
          assertTrue(i + 1 <= allowed + 1e-6, (i + 1) + " summaries released within " + (releases.get(i) - releases.get(0)) + " ms of the first");
        }
        System.err.printf("limits IT: %d of %d summaries waited%n", waited, FLOOD_SUMMARIES);

        // When more of flood-co's requests are held (1 per hour) as the gate stops
        for (int i = 0; i < LATER; i++) {
          later.add(client.submit(Submission.of("flood-co", "classify").payload("{\"text\":\"l" + i + "\"}")).getRequestId());
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> later.stream().allMatch(id -> statuses.latest(id) != null));
        assertEquals(LATER - 1, later.stream().filter(id -> "HELD".equals(statuses.latest(id))).count());
      }
      phase("stopped");

      // and it restarts on an empty state directory (its stores restored from their changelogs) and the limit is raised
      try (StreamsApp app = PolicyApp.create(kafka, catalog, policy, new NoApproverRegistry(), Files.createDirectory(stateDir.resolve("b")),
          Map.of()).startAndAwait(Duration.ofSeconds(60))) {
        PolicyPublisher.publish(kafka, catalog, RAISED, "raised");
        await().atMost(Duration.ofSeconds(90)).until(() -> later.stream().allMatch(id -> "ROUTED".equals(statuses.latest(id))));
      }
      phase("drained after restart");

      // Then every held request was routed exactly once, in the order held
      Map<String, Integer> routedCount = new HashMap<>();
      LatestByKeyReader.everything(kafka, catalog.routed).forEach((RoutedTask t) -> routedCount.merge(t.getRequest().getRequestId(), 1, Integer::sum));
      summaries.forEach(id -> assertEquals(1, routedCount.getOrDefault(id, 0), "routed once: " + id));
      later.forEach(id -> assertEquals(1, routedCount.getOrDefault(id, 0), "routed once across the restart: " + id));
      assertReleasedInOrderHeld(statuses, later);
    }
  }

  /** Held at different times (several may be held in the same millisecond): the earlier is released no later. */
  private static void assertReleasedInOrderHeld(StatusWatcher statuses, List<String> ids) {
    List<String> held = ids.stream().filter(id -> statuses.first(id, "HELD") != null).toList();
    for (String a : held) {
      for (String b : held) {
        if (statuses.first(a, "HELD").getUpdatedAt() < statuses.first(b, "HELD").getUpdatedAt()) {
          assertTrue(statuses.first(a, "ROUTED").getUpdatedAt() <= statuses.first(b, "ROUTED").getUpdatedAt(),
              "released in the order held: " + a + " before " + b);
        }
      }
    }
  }

  /** Submits {@code n} class-A requests of calm-co, 50 ms apart, and returns each one's submit-to-ROUTED time in ms. */
  private static List<Long> calmLatencies(FabricClient client, StatusWatcher statuses, int n) {
    Map<String, Long> sentAt = new java.util.LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      TaskRequest request = client.submit(Submission.of("calm-co", "summarize").payload("{\"text\":\"c" + i + "\"}"));
      sentAt.put(request.getRequestId(), start);
      long next = start + 50_000_000L;
      await().pollInterval(Duration.ofMillis(5)).until(() -> System.nanoTime() >= next);
    }
    await().atMost(Duration.ofSeconds(60)).until(() -> sentAt.keySet().stream().allMatch(id -> statuses.seenAt(id, "ROUTED") != null));
    return sentAt.entrySet().stream().map(e -> (statuses.seenAt(e.getKey(), "ROUTED") - e.getValue()) / 1_000_000L).toList();
  }

  private static final long T0 = System.nanoTime();

  private static void phase(String name) {
    System.err.printf("limits IT: %s at %d ms%n", name, (System.nanoTime() - T0) / 1_000_000L);
  }

  private static long p99(List<Long> latencies) {
    List<Long> sorted = latencies.stream().sorted().toList();
    return sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1);
  }

  /** Reads the status topic (read_committed) as it is written: when each outcome of each request was first seen, and its latest. */
  private static final class StatusWatcher implements AutoCloseable {
    private final Map<String, Long> seenAt = new ConcurrentHashMap<>();
    private final Map<String, RequestStatus> first = new ConcurrentHashMap<>();
    private final Map<String, String> latest = new ConcurrentHashMap<>();
    private final Thread thread;
    private volatile boolean running = true;

    StatusWatcher(KafkaConnection kafka, TopicCatalog catalog) {
      Map<String, Object> config = kafka.clientConfig();
      config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
      KafkaConsumer<String, RequestStatus> consumer = new KafkaConsumer<>(config, catalog.requestStatus.keySerde().deserializer(),
          catalog.requestStatus.valueSerde().deserializer());
      List<TopicPartition> partitions = new ArrayList<>();
      for (int p = 0; p < catalog.partitions(); p++) {
        partitions.add(new TopicPartition(catalog.requestStatus.name(), p));
      }
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      thread = new Thread(() -> {
        try (consumer) {
          while (running) {
            consumer.poll(Duration.ofMillis(20)).forEach(r -> {
              long now = System.nanoTime();
              String outcome = r.value().getOutcome();
              seenAt.putIfAbsent(r.key() + " " + outcome, now);
              first.putIfAbsent(r.key() + " " + outcome, r.value());
              latest.put(r.key(), outcome + (r.value().getReason() == null || outcome.equals("HELD") ? "" : "/" + r.value().getReason()));
            });
          }
        }
      }, "status-watcher");
      thread.start();
    }

    Long seenAt(String id, String outcome) {
      return seenAt.get(id + " " + outcome);
    }

    RequestStatus first(String id, String outcome) {
      return first.get(id + " " + outcome);
    }

    String latest(String id) {
      return latest.get(id);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.join();
    }
  }
}
