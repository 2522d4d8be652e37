package io.fabric.plugins.runtime;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.FabricHarness;
import java.lang.management.ManagementFactory;
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
 * plus 1,000 running ones, on the catalog's 3 partitions of the embedded broker. Tagged "bench" and
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

      long restoreStart = System.nanoTime();
      FlowStateStore store = new FlowStateStore(fabric.connection, fabric.catalog, ExecutionIntent.topic(fabric.catalog),
          "bench-" + UUID.randomUUID(), null, FlowStateStore.DEFAULT_RECENTLY_CLOSED, FlowStateStore.DEFAULT_CLOSED_RETENTION,
          Clock.systemUTC());
      store.assign(List.of(0, 1, 2));
      long restored = System.nanoTime() - restoreStart;
      long heapAfter = usedHeapAfterGc();
      FlowStateStore.Footprint footprint = store.footprint();

      // a late step of the oldest closed flow, long evicted from the recent ones: one read-through
      long lookupStart = System.nanoTime();
      String status = store.checkpoint(firstFlow).orElseThrow().getStatus();
      long lookup = System.nanoTime() - lookupStart;
      store.close();

      System.out.printf("%n[bench] flows.state: %,d closed + %,d open checkpoints, %,d bytes (avg %d B), written in %.1f s%n",
          closed, open, bytes, bytes / (closed + open), written / 1e9);
      System.out.printf("[bench] restore of 3 partitions: %.2f s (%,.0f checkpoints/s)%n", restored / 1e9,
          (closed + open) / (restored / 1e9));
      System.out.printf("[bench] heap held by the store after GC: %,.1f MB (used %,.1f MB before, %,.1f MB after; max %,d MB)%n",
          (heapAfter - heapBefore) / 1e6, heapBefore / 1e6, heapAfter / 1e6, Runtime.getRuntime().maxMemory() >> 20);
      System.out.printf("[bench] footprint: %s%n", footprint);
      System.out.printf("[bench] checkpoint of the oldest closed flow read back in %.1f ms: %s%n", lookup / 1e6, status);
      if (!"COMPLETED".equals(status) || footprint.openFlows() != open || footprint.indexedClosedFlows() != closed) {
        throw new AssertionError("unexpected footprint " + footprint + " / " + status);
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
