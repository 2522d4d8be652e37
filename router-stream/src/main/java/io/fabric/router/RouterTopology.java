package io.fabric.router;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.observability.FabricMetrics;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.Statuses;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import io.fabric.schemas.tracing.FabricTracing;
import io.fabric.schemas.tracing.Hop;
import io.opentelemetry.api.trace.SpanKind;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.RecordContext;
import org.apache.kafka.streams.processor.TopicNameExtractor;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * The router-stream topology: {@code fabric.tasks.routed} to {@code fabric.plugin.<name>.tasks}
 * (or the plugin's canary topic); a task type no plugin handles goes to the DLQ with
 * UNKNOWN_TASK_TYPE, an audit event and a DEAD_LETTER status.
 */
public final class RouterTopology {
  public static final String STAGE = TopicCatalog.ROUTER_STAGE;

  private RouterTopology() {}

  public static Topology build(TopicCatalog catalog, RouteTable routes, Properties streamsProps) {
    return build(catalog, routes, streamsProps, FabricTracing.noop());
  }

  /** @param tracing one {@value FabricTracing#ROUTE_SPAN} span per routed task; {@link FabricTracing#noop()} when tracing is off */
  public static Topology build(TopicCatalog catalog, RouteTable routes, Properties streamsProps, FabricTracing tracing) {
    StreamsBuilder builder = new StreamsBuilder(FabricStreamsConfig.topologyConfig(streamsProps));
    KStream<String, RoutedTask> routed = builder.stream(catalog.routed.name(),
        Consumed.with(catalog.routed.keySerde(), catalog.routed.valueSerde()).withName("routed-source"));
    BranchedKStream<String, RoutedTask> split = routed.split(Named.as("route-"));
    split.branch((flow, task) -> routes.topicFor(task).isPresent(), Branched.withConsumer(known -> known
        .processValues(() -> new RouteSpan(routes, tracing), Named.as("route-trace"))
        .to(
        new PluginTopicByTaskType(routes),
        Produced.with(catalog.routed.keySerde(), catalog.routed.valueSerde()).withName("to-plugin-topic")), "known"));
    split.defaultBranch(Branched.withConsumer(unknown -> {
      KStream<String, SpecificRecord> letters = unknown.process(() -> new UnknownTaskType(catalog), Named.as("unknown-task-type"));
      BranchedKStream<String, SpecificRecord> out = letters.split(Named.as("unknown-"));
      sink(out, "dlq", DeadLetter.class, catalog.dlq);
      sink(out, "audit", AuditEvent.class, catalog.audit);
      sink(out, "status", RequestStatus.class, catalog.requestStatus);
      out.noDefaultBranch();
    }, "unknown"));
    return builder.build();
  }

  private static <V extends SpecificRecord> void sink(BranchedKStream<String, SpecificRecord> split, String kind, Class<V> type,
                                                      TopicSpec<String, V> topic) {
    split.branch((k, v) -> type.isInstance(v), Branched.withConsumer(s -> s.mapValues(type::cast, Named.as("unknown-as-" + kind))
        .to(topic.name(), Produced.with(topic.keySerde(), topic.valueSerde()).withName("unknown-to-" + kind)), kind));
  }

  /** Names the plugin task topic of a routed task; a named class so the topology description is stable. */
  private record PluginTopicByTaskType(RouteTable routes) implements TopicNameExtractor<String, RoutedTask> {
    @Override
    public String extract(String flowId, RoutedTask task, RecordContext context) {
      return routes.topicFor(task).orElseThrow();
    }

    @Override
    public String toString() {
      return "plugin task topic by task type";
    }
  }

  /** The router's span: the route chosen, written back as the task's traceparent so the plugin's attempt is its child. */
  private static final class RouteSpan implements FixedKeyProcessor<String, RoutedTask, RoutedTask> {
    private final RouteTable routes;
    private final FabricTracing tracing;
    private FixedKeyProcessorContext<String, RoutedTask> context;

    RouteSpan(RouteTable routes, FabricTracing tracing) {
      this.routes = routes;
      this.tracing = tracing;
    }

    @Override
    public void init(FixedKeyProcessorContext<String, RoutedTask> context) {
      this.context = context;
    }

    @Override
    public void process(FixedKeyRecord<String, RoutedTask> record) {
      if (!tracing.enabled()) {
        context.forward(record);
        return;
      }
      RoutedTask task = record.value();
      try (Hop hop = tracing.start(FabricTracing.ROUTE_SPAN, SpanKind.CONSUMER, record.headers())
          .set(FabricTracing.REQUEST_ID, task.getRequest().getRequestId())
          .set(FabricTracing.TENANT, task.getRequest().getTenantId())
          .set(FabricTracing.FLOW_ID, task.getRequest().getFlowId())
          .set(FabricTracing.ACTION, task.getRequest().getAction())
          .set(FabricTracing.TOPIC, routes.topicFor(task).orElse(null))) {
        Headers headers = new RecordHeaders(record.headers().toArray());
        hop.writeTo(headers);
        context.forward(record.withHeaders(headers));
      }
    }
  }

  /** Dead-letters a task no plugin declares, keeping its bytes so it can be replayed once a plugin exists. */
  private static final class UnknownTaskType implements Processor<String, RoutedTask, String, SpecificRecord> {
    private final TopicCatalog catalog;
    private final Serializer<RoutedTask> serializer;
    private ProcessorContext<String, SpecificRecord> context;
    private FabricMetrics metrics;

    UnknownTaskType(TopicCatalog catalog) {
      this.catalog = catalog;
      this.serializer = catalog.routed.valueSerde().serializer();
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
      this.context = context;
      this.metrics = FabricMetrics.from(context.appConfigs());
    }

    @Override
    public void process(Record<String, RoutedTask> record) {
      long now = context.currentSystemTimeMs();
      RoutedTask task = record.value();
      String detail = "unknown task type '" + task.getRequest().getAction() + "': no plugin on the classpath declares it";
      RecordMetadata source = context.recordMetadata().orElseThrow();
      DeadLetter letter = DeadLetters.about(DeadLetters.builder(STAGE, Reason.UNKNOWN_TASK_TYPE,
              new DeadLetters.Origin(source.topic(), source.partition(), source.offset(),
                  record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8),
                  serializer.serialize(source.topic(), task), record.headers()),
              new IllegalArgumentException(detail), now), task.getRequest(), task.getDecision().getActionClass())
          .build();
      context.forward(new Record<>(record.key(), letter, now, record.headers()));
      metrics.deadLetter(STAGE, Reason.UNKNOWN_TASK_TYPE.name());
      context.forward(new Record<>(record.key(), AuditEvents.about(AuditEvents.UNKNOWN_TASK_TYPE, task.getRequest(), task.getDecision(), detail, now), now,
          record.headers()));
      context.forward(new Record<>(task.getRequest().getRequestId(), Statuses.of(task.getRequest(), task.getDecision(),
          Outcome.DEAD_LETTER, Reason.UNKNOWN_TASK_TYPE, detail, now), now, record.headers()));
    }
  }
}
