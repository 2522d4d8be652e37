package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.fabric.plugins.runtime.ExecutionIntent.Kind;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.RetryPolicy;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.schemas.tracing.FabricTracing;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A span per plugin call: attempt number, result, error status on failure, and the plugin sees the attempt's own context. */
class PluginTracingTest {
  private static final String ROUTER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

  @Test
  void eachAttemptIsAChildSpanOfTheRouterAndAFailedOneIsAnError() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    Map<String, ExecutionIntent> intents = new HashMap<>();
    AttemptRunner.Intents log = new AttemptRunner.Intents() {
      @Override
      public Optional<ExecutionIntent> find(String flowId, String intentId) {
        return Optional.ofNullable(intents.get(intentId));
      }

      @Override
      public void commit(ExecutionIntent intent, String traceparent) {
        intents.put(intent.requestId(), intent);
      }

      @Override
      public void beforeCall(long lastCallNanos) {}
    };
    List<String> seenByPlugin = new ArrayList<>();
    List<SpanData> finished;
    try (OpenTelemetrySdk sdk = sdk(spans)) {
      PluginTracing tracing = new PluginTracing(FabricTracing.of(sdk), "charge");
      AttemptRunner.Attempt attempt = new AttemptRunner.Attempt("f1", "r1", "r1", Kind.EXECUTE, "charge_card", "r1", ROUTER, null,
          InDoubtSupport.NONE, new RetryPolicy(3, Duration.ofMillis(1), Duration.ofMillis(1)));
      Instant t0 = Instant.parse("2025-01-01T10:00:00Z");
      assertInstanceOf(AttemptRunner.BackingOff.class, new AttemptRunner("charge", "test", Clock.fixed(t0, ZoneOffset.UTC), tracing, io.fabric.observability.FabricMetrics.discard())
          .run(attempt, context -> {
            seenByPlugin.add(context.traceparent());
            throw new RetryableTaskException("503 from the vendor");
          }, log));
      assertInstanceOf(AttemptRunner.Done.class, new AttemptRunner("charge", "test", Clock.fixed(t0.plusSeconds(1), ZoneOffset.UTC), tracing, io.fabric.observability.FabricMetrics.discard())
          .run(attempt, context -> {
            seenByPlugin.add(context.traceparent());
            return Map.of("id", "ch_1");
          }, log));
      finished = spans.getFinishedSpanItems(); // closing the SDK shuts the exporter down, which forgets them
    }

    assertEquals(2, finished.size());
    SpanData failed = finished.get(0);
    SpanData ok = finished.get(1);
    assertEquals(FabricTracing.PLUGIN_ATTEMPT_SPAN, failed.getName());
    assertEquals(1L, failed.getAttributes().get(FabricTracing.ATTEMPT));
    assertEquals("retry", failed.getAttributes().get(FabricTracing.RESULT));
    assertEquals("charge", failed.getAttributes().get(FabricTracing.PLUGIN));
    assertEquals(StatusCode.ERROR, failed.getStatus().getStatusCode());
    assertEquals(2L, ok.getAttributes().get(FabricTracing.ATTEMPT));
    assertEquals("ok", ok.getAttributes().get(FabricTracing.RESULT));
    assertEquals(StatusCode.UNSET, ok.getStatus().getStatusCode());
    for (SpanData span : finished) {
      assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", span.getTraceId());
      assertEquals("00f067aa0ba902b7", span.getParentSpanId());
    }
    assertEquals(List.of("00-" + failed.getTraceId() + "-" + failed.getSpanId() + "-01", "00-" + ok.getTraceId() + "-" + ok.getSpanId() + "-01"),
        seenByPlugin, "the plugin's TaskContext carries its attempt's context, for its own outbound calls");
  }

  private static OpenTelemetrySdk sdk(InMemorySpanExporter spans) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
  }
}
