package io.fabric.plugins.runtime;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.FabricHarness;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * How long a runtime's flow state takes to restore, and how much heap it keeps, with many closed
 * flows on {@code flows.state}: {@code -Dfabric.bench.flows} (1,000,000 by default) completed flows
 * plus 1,000 running ones, on the catalog's 3 partitions of the embedded broker; then how long a
 * restart takes from the local snapshots the first restore wrote, with {@code -Dfabric.bench.tail}
 * (10,000 by default) flows completed after them. Tagged "bench" and
 * excluded from the normal build; run it with
 * {@code mvn -B -o -pl plugin-consumers -am verify -DskipITs -Dbench.excluded=none -Dtest=FlowStateRestoreBench -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("bench")
@ExtendWith(EmbeddedKafkaExtension.class)
class FlowStateRestoreBench {
  @Test
  void restoreOfAMillionClosedFlows() throws Exception {
    int closed = Integer.getInteger("fabric.bench.flows", 1_000_000);
    int open = 1_000;
    try (FabricHarness fabric = FabricHarness.create(List.of("echo"))) {
      long writeStart = System.nanoTime();
      Map<String, Object> config = fabric.connection.clientConfig();
      // a bulk load: plain sends (an idempotent producer on freshly created topics can wedge on out-of-order sequence retries)
      config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
      config.put(ProducerConfig.ACKS_CONFIG, "1");
      config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
      config.put(ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024);
      config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
      var serializer = fabric.catalog.flowState.valueSerde().serializer();
      long bytes = 0;
      String firstFlow = null;
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < closed + open; i++) {
          String flow = "flow-" + i + "-" + UUID.randomUUID();
          firstFlow = firstFlow == null ? flow : firstFlow;
          FlowCheckpoint checkpoint = FlowStateStoreTest.checkpoint(flow, i < closed);
          byte[] value = serializer.serialize(fabric.catalog.flowState.name(), checkpoint);
          bytes += value.length;
          producer.send(new ProducerRecord<>(fabric.catalog.flowState.name(), fabric.partitionOf(flow), flow, value));
        }
        producer.flush();
      }
      long written = System.nanoTime() - writeStart;
      long heapBefore = usedHeapAfterGc();
      Path snapshotDir = Files.createTempDirectory("flow-state-bench");
      FlowStateStore.Snapshots snapshots = new FlowStateStore.Snapshots(snapshotDir, Duration.ofMinutes(1));

      long restoreStart = System.nanoTime();
      FlowStateStore store = new FlowStateStore(fabric.connection, fabric.catalog, ExecutionIntent.topic(fabric.catalog),
          "bench-" + UUID.randomUUID(), null, FlowStateStore.DEFAULT_RECENTLY_CLOSED, FlowStateStore.DEFAULT_CLOSED_RETENTION,
          Clock.systemUTC(), snapshots);
      store.assign(List.of(0, 1, 2));
      long restored = System.nanoTime() - restoreStart;
      long heapAfter = usedHeapAfterGc();
      FlowStateStore.Footprint footprint = store.footprint();

      // a late step of the oldest closed flow, long evicted from the recent ones: one read-through
      long lookupStart = System.nanoTime();
      String status = store.checkpoint(firstFlow).orElseThrow().getStatus();
      long lookup = System.nanoTime() - lookupStart;

      long snapshotStart = System.nanoTime();
      int snapshotFiles = store.snapshot();
      long snapshotted = System.nanoTime() - snapshotStart;
      long snapshotBytes = 0;
      for (int p = 0; p < 3; p++) {
        snapshotBytes += Files.size(snapshotDir.resolve("flow-state-" + p + ".snapshot"));
      }
      store.close();
      store = null;

      // flows that completed while the runtime was down: the tail a restart reads
      int tail = Integer.getInteger("fabric.bench.tail", 10_000);
      try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer())) {
        for (int i = 0; i < tail; i++) {
          String flow = "tail-" + i + "-" + UUID.randomUUID();
          byte[] value = serializer.serialize(fabric.catalog.flowState.name(), FlowStateStoreTest.checkpoint(flow, true));
          producer.send(new ProducerRecord<>(fabric.catalog.flowState.name(), fabric.partitionOf(flow), flow, value));
        }
        producer.flush();
      }
      long heapBeforeRestart = usedHeapAfterGc();
      long restartStart = System.nanoTime();
      FlowStateStore restarted = new FlowStateStore(fabric.connection, fabric.catalog, ExecutionIntent.topic(fabric.catalog),
          "bench-" + UUID.randomUUID(), null, FlowStateStore.DEFAULT_RECENTLY_CLOSED, FlowStateStore.DEFAULT_CLOSED_RETENTION,
          Clock.systemUTC(), snapshots);
      restarted.assign(List.of(0, 1, 2));
      long restart = System.nanoTime() - restartStart;
      long heapAfterRestart = usedHeapAfterGc();
      FlowStateStore.Footprint restartFootprint = restarted.footprint();
      long restartLookupStart = System.nanoTime();
      String restartStatus = restarted.checkpoint(firstFlow).orElseThrow().getStatus();
      long restartLookup = System.nanoTime() - restartLookupStart;
      restarted.close();

      System.out.printf("%n[bench] flows.state: %,d closed + %,d open checkpoints, %,d bytes (avg %d B), written in %.1f s%n",
          closed, open, bytes, bytes / (closed + open), written / 1e9);
      System.out.printf("[bench] restore of 3 partitions: %.2f s (%,.0f checkpoints/s)%n", restored / 1e9,
          (closed + open) / (restored / 1e9));
      System.out.printf("[bench] heap held by the store after GC: %,.1f MB (used %,.1f MB before, %,.1f MB after; max %,d MB)%n",
          (heapAfter - heapBefore) / 1e6, heapBefore / 1e6, heapAfter / 1e6, Runtime.getRuntime().maxMemory() >> 20);
      System.out.printf("[bench] footprint: %s%n", footprint);
      System.out.printf("[bench] checkpoint of the oldest closed flow read back in %.1f ms: %s%n", lookup / 1e6, status);
      System.out.printf("[bench] snapshot of %d partitions written in %.2f s: %,d bytes%n", snapshotFiles, snapshotted / 1e9, snapshotBytes);
      System.out.printf("[bench] restart from the snapshots + %,d closed flows after them: %.2f s, %,d records read%n", tail,
          restart / 1e9, restartFootprint.recordsRead());
      System.out.printf("[bench] heap held by the restarted store after GC: %,.1f MB (used %,.1f MB before, %,.1f MB after)%n",
          (heapAfterRestart - heapBeforeRestart) / 1e6, heapBeforeRestart / 1e6, heapAfterRestart / 1e6);
      System.out.printf("[bench] restarted footprint: %s%n", restartFootprint);
      System.out.printf("[bench] after the restart, the oldest closed flow read back in %.1f ms: %s%n", restartLookup / 1e6, restartStatus);
      if (!"COMPLETED".equals(status) || footprint.openFlows() != open || footprint.indexedClosedFlows() != closed) {
        throw new AssertionError("unexpected footprint " + footprint + " / " + status);
      }
      if (!"COMPLETED".equals(restartStatus) || snapshotFiles != 3 || restartFootprint.partitionsFromSnapshots() != 3
          || restartFootprint.recordsRead() != tail || restartFootprint.openFlows() != open
          || restartFootprint.indexedClosedFlows() != closed + tail) {
        throw new AssertionError("unexpected restart footprint " + restartFootprint + " / " + restartStatus);
      }
    }
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
