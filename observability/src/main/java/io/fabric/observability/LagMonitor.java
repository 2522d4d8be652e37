package io.fabric.observability;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code fabric_consumer_group_lag{group,topic}}: for each of the fabric's consumer groups, the
 * records its members have not committed yet, per topic: end offsets at {@code read_committed} (the
 * last stable offset, so an open transaction's records are not lag yet) less the committed offsets.
 * A group that commits the offset after its last record (the plugin runtimes do) shows 1 per
 * partition while a transaction marker follows that record. Refreshed
 * on its own thread every interval with Admin, never on the scrape path; a scrape reads the last
 * refresh. A partition the group never committed on is not counted (Admin cannot tell whether the
 * group reads it).
 */
public final class LagMonitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LagMonitor.class);
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  /** One row of the gauge. */
  public record Lag(String group, String topic, long records) {}

  private final Admin admin;
  private final Supplier<Collection<String>> groups;
  private final MultiGauge gauge;
  private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fabric-lag-monitor");
    t.setDaemon(true);
    return t;
  });

  private LagMonitor(Admin admin, Supplier<Collection<String>> groups, MeterRegistry registry) {
    this.admin = admin;
    this.groups = groups;
    this.gauge = MultiGauge.builder(FabricMetrics.CONSUMER_GROUP_LAG)
        .description("records a consumer group has not committed yet (read_committed end offset less committed offset)")
        .register(registry);
  }

  /**
   * Starts refreshing every {@code interval}; the monitor owns {@code admin} and closes it.
   *
   * @param groups the groups to watch, asked at every refresh (the catalog's groups of the apps this process runs)
   */
  public static LagMonitor start(Admin admin, Supplier<Collection<String>> groups, MeterRegistry registry, Duration interval) {
    LagMonitor monitor = new LagMonitor(admin, groups, registry);
    monitor.refresher.scheduleWithFixedDelay(monitor::refreshQuietly, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return monitor;
  }

  private void refreshQuietly() {
    try {
      refresh();
    } catch (RuntimeException e) {
      log.warn("consumer lag not refreshed: {}", e.toString());
    }
  }

  /** Reads the committed and end offsets and replaces the gauge's rows; returns them. */
  public List<Lag> refresh() {
    List<Lag> rows = new ArrayList<>();
    for (String group : groups.get()) {
      Map<TopicPartition, Long> committed = committed(group);
      if (committed.isEmpty()) {
        continue;
      }
      Map<TopicPartition, Long> ends = ends(committed.keySet());
      lagByTopic(committed, ends).forEach((topic, lag) -> rows.add(new Lag(group, topic, lag)));
    }
    gauge.register(rows.stream().map(r -> MultiGauge.Row.of(Tags.of(FabricMetrics.TAG_GROUP, r.group(), FabricMetrics.TAG_TOPIC, r.topic()),
        r.records())).toList(), true);
    return rows;
  }

  /**
   * Lag per topic: the sum over its partitions of end offset less committed offset, never below 0 (a
   * committed offset past the end read a moment earlier is no lag). A partition without an end offset is skipped.
   */
  public static Map<String, Long> lagByTopic(Map<TopicPartition, Long> committed, Map<TopicPartition, Long> ends) {
    Map<String, Long> byTopic = new TreeMap<>();
    committed.forEach((tp, offset) -> {
      Long end = ends.get(tp);
      if (end != null && offset != null) {
        byTopic.merge(tp.topic(), Math.max(0, end - offset), Long::sum);
      }
    });
    return byTopic;
  }

  private Map<TopicPartition, Long> committed(String group) {
    Map<TopicPartition, OffsetAndMetadata> offsets = await(admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata(group));
    Map<TopicPartition, Long> committed = new HashMap<>();
    offsets.forEach((tp, om) -> {
      if (om != null) {
        committed.put(tp, om.offset());
      }
    });
    return committed;
  }

  private Map<TopicPartition, Long> ends(Collection<TopicPartition> partitions) {
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    partitions.forEach(tp -> latest.put(tp, OffsetSpec.latest()));
    Map<TopicPartition, Long> ends = new HashMap<>();
    await(admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all())
        .forEach((tp, info) -> ends.put(tp, info.offset()));
    return ends;
  }

  private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future) {
    try {
      return future.get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException(e.getCause() == null ? e.toString() : e.getCause().toString(), e);
    }
  }

  @Override
  public void close() {
    refresher.shutdownNow();
    try {
      refresher.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    admin.close(Duration.ofSeconds(5));
  }
}
