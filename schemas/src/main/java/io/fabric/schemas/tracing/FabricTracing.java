package io.fabric.schemas.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.StreamSupport;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * The fabric's one place for OpenTelemetry: every hop (gateway, gate, approval, router, plugin
 * attempt, checkpoint) opens a {@link Hop} under the request's W3C trace context and writes the
 * hop's own context back as the outgoing record's {@code traceparent}, so the next hop is its child
 * and a request keeps one trace id end to end.
 *
 * <p>Off unless configured: without {@code OTEL_EXPORTER_OTLP_ENDPOINT},
 * {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT} or {@code OTEL_TRACES_EXPORTER} (or their {@code otel.*}
 * system properties), or with {@code OTEL_SDK_DISABLED=true}, it is {@link OpenTelemetry#noop()}: no
 * exporter thread, and a hop passes the incoming {@code traceparent} on unchanged. The instance is
 * passed to each app, never registered as {@code GlobalOpenTelemetry}.
 */
public final class FabricTracing implements AutoCloseable {
  public static final String DEFAULT_SERVICE_NAME = "execution-fabric";
  public static final String INSTRUMENTATION_SCOPE = "io.fabric";

  /** Span names, one per hop. */
  public static final String GATEWAY_SPAN = "POST /v1/tasks";
  public static final String GATEWAY_TASK_SPAN = "fabric.gateway.task";
  public static final String GATE_SPAN = "fabric.gate";
  public static final String APPROVAL_SPAN = "fabric.approval";
  public static final String ROUTE_SPAN = "fabric.route";
  public static final String PLUGIN_ATTEMPT_SPAN = "fabric.plugin.attempt";
  public static final String CHECKPOINT_SPAN = "fabric.checkpoint";

  /** Span attributes. */
  public static final AttributeKey<String> REQUEST_ID = AttributeKey.stringKey("fabric.request_id");
  public static final AttributeKey<String> TENANT = AttributeKey.stringKey("fabric.tenant_id");
  public static final AttributeKey<String> FLOW_ID = AttributeKey.stringKey("fabric.flow_id");
  public static final AttributeKey<String> ACTION = AttributeKey.stringKey("fabric.action");
  public static final AttributeKey<String> ACTION_CLASS = AttributeKey.stringKey("fabric.class");
  public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("fabric.outcome");
  public static final AttributeKey<String> REASON = AttributeKey.stringKey("fabric.reason");
  public static final AttributeKey<String> RULE = AttributeKey.stringKey("fabric.rule");
  public static final AttributeKey<String> POLICY_VERSION = AttributeKey.stringKey("fabric.policy_version");
  public static final AttributeKey<String> APPROVER = AttributeKey.stringKey("fabric.approver");
  public static final AttributeKey<String> TOPIC = AttributeKey.stringKey("fabric.topic");
  public static final AttributeKey<String> PLUGIN = AttributeKey.stringKey("fabric.plugin");
  public static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("fabric.attempt");
  public static final AttributeKey<String> RESULT = AttributeKey.stringKey("fabric.result");
  public static final AttributeKey<Long> REVISION = AttributeKey.longKey("fabric.checkpoint.revision");
  public static final AttributeKey<String> FLOW_STATUS = AttributeKey.stringKey("fabric.flow.status");
  public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

  /** The settings whose presence switches tracing on (as environment variable names; {@code otel.*} properties alike). */
  static final List<String> SWITCHES = List.of("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_TRACES_EXPORTER");

  private static final W3CTraceContextPropagator W3C = W3CTraceContextPropagator.getInstance();
  private static final FabricTracing NOOP = new FabricTracing(OpenTelemetry.noop(), false, null);

  private final OpenTelemetry openTelemetry;
  private final Tracer tracer;
  private final boolean enabled;
  private final OpenTelemetrySdk owned;

  private FabricTracing(OpenTelemetry openTelemetry, boolean enabled, OpenTelemetrySdk owned) {
    this.openTelemetry = openTelemetry;
    this.tracer = openTelemetry.getTracer(INSTRUMENTATION_SCOPE);
    this.enabled = enabled;
    this.owned = owned;
  }

  /** Tracing off: every hop passes the incoming traceparent on unchanged. */
  public static FabricTracing noop() {
    return NOOP;
  }

  /** Traces through {@code openTelemetry}, which the caller owns (and shuts down). */
  public static FabricTracing of(OpenTelemetry openTelemetry) {
    return new FabricTracing(openTelemetry, true, null);
  }

  /** From the process's {@code OTEL_*} environment and {@code otel.*} system properties; noop unless they configure an exporter. */
  public static FabricTracing fromEnvironment() {
    return configure(Map.of());
  }

  /**
   * As {@link #fromEnvironment()}, with {@code overrides} ({@code otel.*} keys, e.g. from {@code fabric
   * run --config otel.exporter.otlp.endpoint=...}) taking precedence over both.
   */
  public static FabricTracing configure(Map<String, String> overrides) {
    if (!configured(System::getenv, System::getProperty, overrides)) {
      return NOOP;
    }
    Map<String, String> defaults = new HashMap<>();
    // the fabric exports traces only; its metrics are Prometheus's business
    defaults.put("otel.metrics.exporter", "none");
    defaults.put("otel.logs.exporter", "none");
    // the JDK HttpClient sender speaks OTLP over HTTP only (no gRPC without OkHttp or grpc-java): port 4318
    defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
    OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
        .addPropertiesSupplier(() -> defaults)
        .addPropertiesCustomizer(config -> overrides)
        .addResourceCustomizer((resource, config) -> namedService(resource))
        .disableShutdownHook()
        .build()
        .getOpenTelemetrySdk();
    return new FabricTracing(sdk, true, sdk);
  }

  /**
   * Whether the settings switch tracing on: an exporter endpoint or {@code OTEL_TRACES_EXPORTER} other
   * than {@code none}, and {@code OTEL_SDK_DISABLED} not {@code true}. {@code overrides} use property names.
   */
  static boolean configured(Function<String, String> env, Function<String, String> properties, Map<String, String> overrides) {
    Function<String, String> setting = name -> {
      String property = name.toLowerCase(Locale.ROOT).replace('_', '.');
      String value = overrides.get(property);
      if (value == null) {
        value = properties.apply(property);
      }
      if (value == null) {
        value = env.apply(name);
      }
      return value == null || value.isBlank() ? null : value.trim();
    };
    if ("true".equalsIgnoreCase(setting.apply("OTEL_SDK_DISABLED"))) {
      return false;
    }
    String exporter = setting.apply("OTEL_TRACES_EXPORTER");
    if (exporter != null) {
      return !exporter.equalsIgnoreCase("none");
    }
    return SWITCHES.stream().anyMatch(name -> setting.apply(name) != null);
  }

  private static Resource namedService(Resource resource) {
    String name = resource.getAttribute(AttributeKey.stringKey("service.name"));
    return name == null || name.startsWith("unknown_service")
        ? resource.merge(Resource.create(io.opentelemetry.api.common.Attributes.of(AttributeKey.stringKey("service.name"), DEFAULT_SERVICE_NAME)))
        : resource;
  }

  public boolean enabled() {
    return enabled;
  }

  public OpenTelemetry openTelemetry() {
    return openTelemetry;
  }

  /** Starts a hop under {@code parentTraceparent} (a root when it is null or not W3C). */
  public Hop start(String name, SpanKind kind, String parentTraceparent) {
    if (!enabled) {
      return new Hop(Span.getInvalid(), parentTraceparent);
    }
    return start(name, kind, extract(parentTraceparent), parentTraceparent);
  }

  /** Starts a hop under the context of the record's {@code traceparent} header. */
  public Hop start(String name, SpanKind kind, Headers parent) {
    String traceparent = headerValue(parent, TRACEPARENT);
    if (!enabled) {
      return new Hop(Span.getInvalid(), traceparent);
    }
    return start(name, kind, extract(parent), traceparent);
  }

  /** Starts a hop under the trace context of an HTTP request's headers (names looked up case-insensitively). */
  public Hop startServer(String name, Function<String, String> httpHeader, String fallbackTraceparent) {
    String traceparent = httpHeader.apply(TRACEPARENT);
    boolean valid = traceparent != null && Span.fromContext(extract(traceparent)).getSpanContext().isValid();
    String parent = valid ? traceparent : fallbackTraceparent;
    if (!enabled) {
      return new Hop(Span.getInvalid(), parent);
    }
    return start(name, SpanKind.SERVER, extract(parent), parent);
  }

  private Hop start(String name, SpanKind kind, Context parent, String fallback) {
    SpanBuilder builder = tracer.spanBuilder(name).setSpanKind(kind);
    builder = Span.fromContext(parent).getSpanContext().isValid() ? builder.setParent(parent) : builder.setNoParent();
    return new Hop(builder.startSpan(), fallback);
  }

  /** The context a {@code traceparent} value names ({@link Context#root()} when it is null or malformed). */
  public static Context extract(String traceparent) {
    if (traceparent == null) {
      return Context.root();
    }
    return W3C.extract(Context.root(), traceparent, SINGLE_VALUE);
  }

  /** The context of a record's {@code traceparent} header. */
  public static Context extract(Headers headers) {
    return headers == null ? Context.root() : W3C.extract(Context.root(), headers, KAFKA_HEADERS);
  }

  /** Writes {@code context} as the record's {@code traceparent} header (replacing any). */
  public static void inject(Context context, Headers headers) {
    W3C.inject(context, headers, KAFKA_HEADERS);
  }

  /** The W3C {@code traceparent} value of a span context, or null when it is not valid. */
  public static String traceparent(SpanContext context) {
    if (!context.isValid()) {
      return null;
    }
    Map<String, String> carrier = new LinkedHashMap<>();
    W3C.inject(Context.root().with(Span.wrap(context)), carrier, Map::put);
    return carrier.get(TRACEPARENT);
  }

  /** Flushes and stops the exporter this instance started (nothing for noop or a caller-owned instance). */
  @Override
  public void close() {
    if (owned != null) {
      owned.close();
    }
  }

  private static final String TRACEPARENT = "traceparent";

  private static final TextMapGetter<String> SINGLE_VALUE = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(String carrier) {
      return List.of(TRACEPARENT);
    }

    @Override
    public String get(String carrier, String key) {
      return TRACEPARENT.equals(key) ? carrier : null;
    }
  };

  private static final KafkaHeaders KAFKA_HEADERS = new KafkaHeaders();

  /** The W3C propagator's getter and setter over Kafka record headers (the last header of a key wins). */
  private static final class KafkaHeaders implements TextMapGetter<Headers>, TextMapSetter<Headers> {
    @Override
    public Iterable<String> keys(Headers carrier) {
      return StreamSupport.stream(carrier.spliterator(), false).map(Header::key).distinct().toList();
    }

    @Override
    public String get(Headers carrier, String key) {
      return headerValue(carrier, key);
    }

    @Override
    public void set(Headers carrier, String key, String value) {
      if (carrier != null) {
        carrier.remove(key);
        carrier.add(key, value.getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  private static String headerValue(Headers headers, String key) {
    Header header = headers == null ? null : headers.lastHeader(key);
    return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }
}
