package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.schemas.tracing.FabricTracing;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code fabric run --config otel.*}: tracing settings reach the SDK, never the Streams apps; none at all is noop. */
class RunTracingOptionsTest {
  @TempDir
  Path dir;

  @Test
  void withoutOtelSettingsTracingIsNoop() {
    AppOptions apps = new AppOptions();
    try (FabricTracing tracing = apps.tracing()) {
      assertSame(FabricTracing.noop(), tracing);
      assertFalse(tracing.enabled());
    }
  }

  @Test
  void otelSettingsConfigureTracingAndStayOutOfTheStreamsConfig() {
    AppOptions apps = new AppOptions();
    apps.config.put("otel.exporter.otlp.endpoint", "http://127.0.0.1:1");
    apps.config.put("commit.interval.ms", "20");
    ConnectionOptions kafka = new ConnectionOptions();
    kafka.bootstrapServer = "127.0.0.1:9";
    kafka.topicPrefix = "fabric.";
    kafka.partitions = 1;

    assertEquals(Map.of("otel.exporter.otlp.endpoint", "http://127.0.0.1:1"), apps.tracingOverrides());
    assertEquals(Map.of("commit.interval.ms", "20"), apps.settings(kafka, kafka.bootstrapServer, dir).streamsOverrides());
    try (FabricTracing tracing = apps.tracing()) {
      assertTrue(tracing.enabled());
      assertTrue(exporterThreadRuns(), "the check below sees an exporter when there is one");
    }
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(15)).until(() -> !exporterThreadRuns());
  }

  @Test
  void noopStartsNoExporterThread() {
    try (FabricTracing tracing = new AppOptions().tracing()) {
      tracing.start(FabricTracing.GATE_SPAN, io.opentelemetry.api.trace.SpanKind.CONSUMER, (String) null).close();
      assertFalse(exporterThreadRuns());
    }
  }

  private static boolean exporterThreadRuns() {
    return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.isAlive() && t.getName().startsWith("BatchSpanProcessor"));
  }
}
