package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.tracing.FabricTracing;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Which trace a submitted request joins, with tracing on and off, for one task and for a batch. */
class GatewayTracingTest {
  private static final String CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  private static final String BODY = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  private static final String GENERATED = "00-11111111111111111111111111111111-2222222222222222-01";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();

  @Test
  void oneTaskContinuesTheCallersHeaderAndCarriesTheServerSpan() {
    try (OpenTelemetrySdk sdk = sdk()) {
      GatewayTracing.Submit submit = new GatewayTracing(FabricTracing.of(sdk)).submit(header(CALLER), requests(1), nulls(1), false);
      submit.end(202);
      SpanData server = only(FabricTracing.GATEWAY_SPAN);
      assertEquals(SpanKind.SERVER, server.getKind());
      assertEquals("0af7651916cd43dd8448eb211c80319c", server.getTraceId());
      assertEquals("b7ad6b7169203331", server.getParentSpanId());
      assertEquals(202L, server.getAttributes().get(FabricTracing.HTTP_STATUS));
      assertEquals("00-" + server.getTraceId() + "-" + server.getSpanId() + "-01", submit.requests().get(0).getTraceparent());
    }
  }

  @Test
  void oneTaskWithoutAnyContextStartsATraceRatherThanJoiningTheGeneratedId() {
    try (OpenTelemetrySdk sdk = sdk()) {
      GatewayTracing.Submit submit = new GatewayTracing(FabricTracing.of(sdk)).submit(header(null), requests(1), nulls(1), false);
      submit.end(202);
      SpanData server = only(FabricTracing.GATEWAY_SPAN);
      assertEquals("0000000000000000", server.getParentSpanId(), "a root");
      assertEquals(contextOf(server), contextOf(submit.requests().get(0)));
    }
  }

  @Test
  void aBatchWithoutContextGivesEveryTaskItsOwnTraceLinkedToTheServerSpan() {
    try (OpenTelemetrySdk sdk = sdk()) {
      GatewayTracing.Submit submit = new GatewayTracing(FabricTracing.of(sdk)).submit(header(null), requests(2), Arrays.asList(null, BODY), true);
      submit.end(202);
      SpanData server = only(FabricTracing.GATEWAY_SPAN);
      List<SpanData> tasks = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(FabricTracing.GATEWAY_TASK_SPAN)).toList();
      assertEquals(2, tasks.size());
      assertNotEquals(server.getTraceId(), tasks.get(0).getTraceId(), "its own trace");
      assertEquals(server.getSpanId(), tasks.get(0).getLinks().get(0).getSpanContext().getSpanId());
      assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", tasks.get(1).getTraceId(), "a traceparent in the body wins");
      for (int i = 0; i < 2; i++) {
        assertEquals(contextOf(tasks.get(i)), contextOf(submit.requests().get(i)));
      }
    }
  }

  @Test
  void aBatchWithTheCallersContextJoinsItUnderTheServerSpan() {
    try (OpenTelemetrySdk sdk = sdk()) {
      new GatewayTracing(FabricTracing.of(sdk)).submit(header(CALLER), requests(2), nulls(2), true).end(503);
      SpanData server = only(FabricTracing.GATEWAY_SPAN);
      spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(FabricTracing.GATEWAY_TASK_SPAN)).forEach(task -> {
        assertEquals(server.getSpanId(), task.getParentSpanId());
        assertEquals(io.opentelemetry.api.trace.StatusCode.ERROR, task.getStatus().getStatusCode());
      });
      assertEquals(io.opentelemetry.api.trace.StatusCode.ERROR, server.getStatus().getStatusCode());
    }
  }

  @Test
  void offTheCallersHeaderIsStillContinuedAndOtherwiseNothingChanges() {
    GatewayTracing off = new GatewayTracing(FabricTracing.noop());
    assertEquals(CALLER, off.submit(header(CALLER), requests(1), nulls(1), false).requests().get(0).getTraceparent());
    List<TaskRequest> untouched = requests(2);
    assertSame(untouched.get(0), off.submit(header(null), untouched, nulls(2), true).requests().get(0));
    assertEquals(GENERATED, off.submit(header(null), untouched, nulls(2), false).requests().get(0).getTraceparent());
    assertEquals(CALLER, off.submit(header(CALLER), requests(1), List.of(BODY), false).requests().get(0).getTraceparent(),
        "one task: the HTTP header wins, as the server span continues it");
    assertEquals(BODY, off.submit(header(CALLER), requests(2), Arrays.asList(null, BODY), true).requests().get(1).getTraceparent(),
        "in a batch, a task's own traceparent wins");
  }

  /** Version, trace id and span id (a root's flags may carry W3C level 2's random bit). */
  private static String contextOf(SpanData span) {
    return "00-" + span.getTraceId() + "-" + span.getSpanId();
  }

  private static String contextOf(TaskRequest request) {
    return request.getTraceparent().substring(0, 52);
  }

  private SpanData only(String name) {
    List<SpanData> named = spans.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
    assertEquals(1, named.size(), () -> spans.getFinishedSpanItems().toString());
    return named.get(0);
  }

  private static Function<String, String> header(String traceparent) {
    return name -> name.equalsIgnoreCase("traceparent") ? traceparent : null;
  }

  private static List<String> nulls(int n) {
    return Arrays.asList(new String[n]);
  }

  /** As the body parser builds them: a generated traceparent when the body names none. */
  private static List<TaskRequest> requests(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> TaskRequest.newBuilder().setRequestId("r" + i).setTenantId("acme")
        .setFlowId("f" + i).setAction("summarize").setPayload("{}").setIdempotencyKey("k" + i).setSubmittedAt(1L).setSource("http-gateway")
        .setTraceparent(i == 1 && n == 2 ? BODY : GENERATED).build()).toList();
  }

  private OpenTelemetrySdk sdk() {
    return OpenTelemetrySdk.builder()
        .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build()).build();
  }
}
