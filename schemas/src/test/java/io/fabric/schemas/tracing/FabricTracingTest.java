package io.fabric.schemas.tracing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.schemas.records.TraceContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class FabricTracingTest {
  private static final String PARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

  @Test
  void offUnlessAnExporterIsConfigured() {
    Map<String, String> none = Map.of();
    assertFalse(FabricTracing.configured(k -> null, k -> null, none));
    assertTrue(FabricTracing.configured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")::get, k -> null, none));
    assertTrue(FabricTracing.configured(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces")::get, k -> null, none));
    assertTrue(FabricTracing.configured(k -> null, Map.of("otel.traces.exporter", "otlp")::get, none));
    assertTrue(FabricTracing.configured(k -> null, k -> null, Map.of("otel.exporter.otlp.endpoint", "http://c:4318")));
    assertFalse(FabricTracing.configured(Map.of("OTEL_TRACES_EXPORTER", "none", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")::get,
        k -> null, none), "an explicit none wins over an endpoint");
    assertFalse(FabricTracing.configured(Map.of("OTEL_SDK_DISABLED", "true", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")::get,
        k -> null, none));
    assertTrue(FabricTracing.configured(Map.of("OTEL_SDK_DISABLED", "false", "OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")::get,
        k -> null, none));
    assertFalse(FabricTracing.configured(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", " ")::get, k -> null, none), "blank is unset");
  }

  @Test
  void noopPassesTheIncomingTraceparentOnAndStartsNoThread() {
    FabricTracing tracing = FabricTracing.configure(Map.of());
    assertSame(FabricTracing.noop(), tracing, "nothing configured (the test JVM sets no OTEL_* variable)");
    assertFalse(tracing.enabled());
    try (Hop hop = tracing.start(FabricTracing.GATE_SPAN, SpanKind.CONSUMER, PARENT)) {
      assertEquals(PARENT, hop.traceparent());
      RecordHeaders headers = new RecordHeaders();
      hop.writeTo(headers);
      assertEquals(PARENT, TraceContext.get(headers));
    }
    assertTrue(Thread.getAllStackTraces().keySet().stream().noneMatch(t -> t.getName().startsWith("BatchSpanProcessor")),
        "no exporter thread");
  }

  @Test
  void aHopIsAChildOfTheIncomingContextAndHandsItsOwnContextOn() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk = sdk(spans)) {
      FabricTracing tracing = FabricTracing.of(sdk);
      String gate;
      try (Hop hop = tracing.start(FabricTracing.GATE_SPAN, SpanKind.CONSUMER, PARENT).set(FabricTracing.OUTCOME, "ROUTED")) {
        gate = hop.traceparent();
      }
      RecordHeaders headers = new RecordHeaders();
      TraceContext.set(headers, gate);
      try (Hop hop = tracing.start(FabricTracing.ROUTE_SPAN, SpanKind.CONSUMER, headers)) {
        hop.writeTo(headers);
      }
      try (Hop root = tracing.start(FabricTracing.GATE_SPAN, SpanKind.CONSUMER, "not a traceparent")) {
        assertNotEquals(PARENT.substring(3, 35), root.traceparent().substring(3, 35), "a malformed parent starts a new trace");
      }
      assertEquals(3, spans.getFinishedSpanItems().size());
      SpanData gateSpan = spans.getFinishedSpanItems().get(0);
      SpanData routeSpan = spans.getFinishedSpanItems().get(1);
      assertEquals("0af7651916cd43dd8448eb211c80319c", gateSpan.getTraceId());
      assertEquals("b7ad6b7169203331", gateSpan.getParentSpanId());
      assertEquals("ROUTED", gateSpan.getAttributes().get(FabricTracing.OUTCOME));
      assertEquals(gateSpan.getTraceId(), routeSpan.getTraceId());
      assertEquals(gateSpan.getSpanId(), routeSpan.getParentSpanId());
      assertEquals("00-" + routeSpan.getTraceId() + "-" + routeSpan.getSpanId() + "-01", TraceContext.get(headers));
    }
  }

  @Test
  void theHttpTraceparentHeaderIsContinued() {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (OpenTelemetrySdk sdk = sdk(spans)) {
      FabricTracing tracing = FabricTracing.of(sdk);
      tracing.startServer(FabricTracing.GATEWAY_SPAN, Map.of("traceparent", PARENT)::get, null).close();
      tracing.startServer(FabricTracing.GATEWAY_SPAN, k -> null, null).close();
      assertEquals("0af7651916cd43dd8448eb211c80319c", spans.getFinishedSpanItems().get(0).getTraceId());
      assertEquals(SpanKind.SERVER, spans.getFinishedSpanItems().get(0).getKind());
      assertNotEquals(spans.getFinishedSpanItems().get(0).getTraceId(), spans.getFinishedSpanItems().get(1).getTraceId());
    }
  }

  private static OpenTelemetrySdk sdk(InMemorySpanExporter spans) {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
  }
}
