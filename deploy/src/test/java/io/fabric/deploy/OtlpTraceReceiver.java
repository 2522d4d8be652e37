package io.fabric.deploy;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;

/**
 * An OTLP/HTTP trace receiver for tests: a JDK {@link HttpServer} on loopback that accepts
 * {@code POST /v1/traces} (http/protobuf), decodes each export with the OTLP protobuf classes and
 * keeps the spans, as a collector would receive them from the fabric.
 */
public final class OtlpTraceReceiver implements AutoCloseable {
  /** One received span, flattened: ids in lower-case hex, an empty parent for a root. */
  public record ReceivedSpan(String service, String name, String kind, String traceId, String spanId, String parentSpanId,
                             Map<String, String> attributes, boolean error, List<String> linkedSpanIds) {
    public String attribute(String key) {
      return attributes.get(key);
    }
  }

  private final HttpServer server;
  private final List<ReceivedSpan> spans = new CopyOnWriteArrayList<>();
  private final AtomicInteger exports = new AtomicInteger();

  private OtlpTraceReceiver(HttpServer server) {
    this.server = server;
  }

  public static OtlpTraceReceiver start() {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      OtlpTraceReceiver receiver = new OtlpTraceReceiver(server);
      server.createContext("/v1/traces", exchange -> {
        try (exchange) {
          if (!exchange.getRequestMethod().equals("POST")) {
            exchange.sendResponseHeaders(405, -1);
            return;
          }
          byte[] body;
          try (InputStream in = "gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))
              ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody()) {
            body = in.readAllBytes();
          }
          receiver.accept(ExportTraceServiceRequest.parseFrom(body));
          byte[] ok = io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse.getDefaultInstance().toByteArray();
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, ok.length == 0 ? -1 : ok.length);
          if (ok.length > 0) {
            exchange.getResponseBody().write(ok);
          }
        }
      });
      server.start();
      return receiver;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void accept(ExportTraceServiceRequest request) {
    exports.incrementAndGet();
    HexFormat hex = HexFormat.of();
    for (ResourceSpans resource : request.getResourceSpansList()) {
      String service = resource.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
          .map(a -> a.getValue().getStringValue()).findFirst().orElse(null);
      for (ScopeSpans scope : resource.getScopeSpansList()) {
        for (io.opentelemetry.proto.trace.v1.Span span : scope.getSpansList()) {
          Map<String, String> attributes = new LinkedHashMap<>();
          for (KeyValue kv : span.getAttributesList()) {
            attributes.put(kv.getKey(), text(kv.getValue()));
          }
          spans.add(new ReceivedSpan(service, span.getName(), span.getKind().name(), hex.formatHex(span.getTraceId().toByteArray()),
              hex.formatHex(span.getSpanId().toByteArray()), hex.formatHex(span.getParentSpanId().toByteArray()), attributes,
              span.getStatus().getCode() == io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR,
              span.getLinksList().stream().map(l -> hex.formatHex(l.getSpanId().toByteArray())).toList()));
        }
      }
    }
  }

  private static String text(AnyValue value) {
    return switch (value.getValueCase()) {
      case STRING_VALUE -> value.getStringValue();
      case INT_VALUE -> Long.toString(value.getIntValue());
      case BOOL_VALUE -> Boolean.toString(value.getBoolValue());
      case DOUBLE_VALUE -> Double.toString(value.getDoubleValue());
      default -> value.toString();
    };
  }

  /** The base URL for {@code OTEL_EXPORTER_OTLP_ENDPOINT} (the exporter appends {@code /v1/traces}). */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  public List<ReceivedSpan> spans() {
    return List.copyOf(spans);
  }

  /** Spans whose {@code fabric.request_id} attribute is {@code requestId}. */
  public List<ReceivedSpan> spansOf(String requestId) {
    return spans.stream().filter(s -> requestId.equals(s.attribute("fabric.request_id"))).toList();
  }

  public int exports() {
    return exports.get();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
