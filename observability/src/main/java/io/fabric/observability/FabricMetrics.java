package io.fabric.observability;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The fabric's own meters: every name and tag is declared here and nowhere else, so the Grafana
 * dashboard, the README's table and the code cannot drift apart unnoticed (a test checks the
 * dashboard against what the running apps export). Names are Micrometer's dotted form; Prometheus
 * shows them with underscores, counters with {@code _total}, timers in {@code _seconds}.
 *
 * <p>Labels are bounded sets only: action class, outcome, reason, plugin, stage, route, method,
 * status, group and topic. Never a tenant, request, flow or key id: their cardinality is unbounded.
 *
 * <p>An app finds the process's instance in its configuration under {@link #REGISTRY_CONFIG} (Streams
 * passes unknown keys through to processors' {@code appConfigs()} and to its error handlers'
 * {@code configure}); without one it records into nothing.
 */
public final class FabricMetrics implements AutoCloseable {
  /** Config key under which the process's {@link FabricMetrics} travels in a Streams app's properties. */
  public static final String REGISTRY_CONFIG = "fabric.metrics";

  /** Counter: verdicts the policy gate wrote (a status per verdict). Tags: class, outcome, reason. */
  public static final String DECISIONS = "fabric.decisions";
  /** Gauge: requests waiting for approval in this process's gate tasks. */
  public static final String APPROVALS_PENDING = "fabric.approvals.pending";
  /** Gauge (seconds): how long the oldest of them has waited. */
  public static final String APPROVALS_OLDEST_AGE = "fabric.approvals.oldest.age";
  /**
   * Gauge: tenants and submitters a breaker pauses now, as this process's gate reads {@code fabric.breakers}
   * (every instance reads the whole topic: take the max over instances, not the sum).
   */
  public static final String BREAKERS_TRIPPED = "fabric.breakers.tripped";
  /** Counter: SLA warnings and expiries of pending approvals. Tag: event (warning, expired). */
  public static final String APPROVAL_SLA_EVENTS = "fabric.approvals.sla.events";
  /** Counter: dead letters written. Tags: stage, reason. */
  public static final String DEAD_LETTERS = "fabric.dead.letters";
  /** Counter: replayed requests the policy gate admitted from the replay topic. */
  public static final String REPLAYS = "fabric.replays";
  /** Timer with histogram: one plugin call. Tags: plugin, result (success, retryable, failed). */
  public static final String PLUGIN_CALLS = "fabric.plugin.calls";
  /** Counter: plugin call attempts (execute or compensate). Tags: plugin, kind. */
  public static final String PLUGIN_ATTEMPTS = "fabric.plugin.attempts";
  /** Counter: plugin calls that failed. Tags: plugin, retryable (true, false). */
  public static final String PLUGIN_FAILURES = "fabric.plugin.failures";
  /** Counter: in-doubt attempts settled. Tags: plugin, settlement (called_again, dead_lettered). */
  public static final String PLUGIN_IN_DOUBT = "fabric.plugin.in.doubt";
  /** Counter: flow checkpoints committed by plugin runtimes. Tag: plugin. */
  public static final String CHECKPOINTS = "fabric.checkpoints";
  /** Gauge: records a consumer group has not consumed yet (end offset less committed offset). Tags: group, topic. */
  public static final String CONSUMER_GROUP_LAG = "fabric.consumer.group.lag";
  /** Counter: HTTP requests the gateway answered. Tags: route, method, status. */
  public static final String GATEWAY_REQUESTS = "fabric.gateway.requests";

  public static final String TAG_CLASS = "class";
  public static final String TAG_OUTCOME = "outcome";
  public static final String TAG_REASON = "reason";
  public static final String TAG_EVENT = "event";
  public static final String TAG_STAGE = "stage";
  public static final String TAG_PLUGIN = "plugin";
  public static final String TAG_RESULT = "result";
  public static final String TAG_KIND = "kind";
  public static final String TAG_RETRYABLE = "retryable";
  public static final String TAG_SETTLEMENT = "settlement";
  public static final String TAG_GROUP = "group";
  public static final String TAG_TOPIC = "topic";
  public static final String TAG_ROUTE = "route";
  public static final String TAG_METHOD = "method";
  public static final String TAG_STATUS = "status";

  /** Shown for a tag whose value is absent (a decision with no reason, a request with no class yet). */
  public static final String NONE = "none";

  private static final FabricMetrics DISCARD = new FabricMetrics(new CompositeMeterRegistry());

  private final MeterRegistry registry;
  private final PendingApprovals pending = new PendingApprovals();
  private final AtomicLong breakersTripped = new AtomicLong();
  private final List<AutoCloseable> binders = new ArrayList<>();

  public FabricMetrics(MeterRegistry registry) {
    this.registry = registry;
    pending.bindTo(registry);
    Gauge.builder(BREAKERS_TRIPPED, breakersTripped, AtomicLong::get)
        .description("tenants and submitters a breaker pauses now, as this process's gate reads them").register(registry);
    // at 0 from the start, so a dashboard's rate() and an alert see the series before the first event
    counter(APPROVAL_SLA_EVENTS, TAG_EVENT, "warning");
    counter(APPROVAL_SLA_EVENTS, TAG_EVENT, "expired");
    Counter.builder(REPLAYS).description("replayed requests admitted from the replay topic").register(registry);
  }

  /** Creates a plugin's counters at 0 (attempts, failures, in-doubt settlements, checkpoints), so they show before the first event. */
  public void registerPlugin(String plugin) {
    counter(PLUGIN_ATTEMPTS, TAG_PLUGIN, plugin, TAG_KIND, "execute");
    counter(PLUGIN_FAILURES, TAG_PLUGIN, plugin, TAG_RETRYABLE, "true");
    counter(PLUGIN_FAILURES, TAG_PLUGIN, plugin, TAG_RETRYABLE, "false");
    counter(PLUGIN_IN_DOUBT, TAG_PLUGIN, plugin, TAG_SETTLEMENT, "called_again");
    counter(PLUGIN_IN_DOUBT, TAG_PLUGIN, plugin, TAG_SETTLEMENT, "dead_lettered");
    counter(CHECKPOINTS, TAG_PLUGIN, plugin);
  }

  /** Records into nothing: for apps started without a registry (tests, benchmarks). */
  public static FabricMetrics discard() {
    return DISCARD;
  }

  /** The instance under {@link #REGISTRY_CONFIG} in an app's configuration, else {@link #discard()}. */
  public static FabricMetrics from(Map<String, ?> configs) {
    Object found = configs == null ? null : configs.get(REGISTRY_CONFIG);
    return found instanceof FabricMetrics metrics ? metrics : DISCARD;
  }

  public MeterRegistry registry() {
    return registry;
  }

  /** The gate tasks' pending approvals, which the gauges read. */
  public PendingApprovals pendingApprovals() {
    return pending;
  }

  public void decision(String actionClass, String outcome, String reason) {
    counter(DECISIONS, TAG_CLASS, actionClass, TAG_OUTCOME, outcome, TAG_REASON, reason).increment();
  }

  /** The gate's count of paused scopes, from its punctuator (the same for every gate task: they all read one global store). */
  public void breakersTripped(long scopes) {
    breakersTripped.set(scopes);
  }

  public void slaWarning() {
    counter(APPROVAL_SLA_EVENTS, TAG_EVENT, "warning").increment();
  }

  public void approvalExpired() {
    counter(APPROVAL_SLA_EVENTS, TAG_EVENT, "expired").increment();
  }

  public void deadLetter(String stage, String reason) {
    counter(DEAD_LETTERS, TAG_STAGE, stage, TAG_REASON, reason).increment();
  }

  public void replay() {
    Counter.builder(REPLAYS).description("replayed requests admitted from the replay topic").register(registry).increment();
  }

  public void pluginAttempt(String plugin, String kind) {
    counter(PLUGIN_ATTEMPTS, TAG_PLUGIN, plugin, TAG_KIND, kind).increment();
  }

  /** One call's latency; {@code result} is success, retryable or failed (a failure also counts in {@link #PLUGIN_FAILURES}). */
  public void pluginCall(String plugin, String result, long nanos) {
    Timer.builder(PLUGIN_CALLS).description("plugin call latency").tags(TAG_PLUGIN, tag(plugin), TAG_RESULT, tag(result))
        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(5))
        .register(registry).record(Duration.ofNanos(nanos));
    if (!"success".equals(result)) {
      counter(PLUGIN_FAILURES, TAG_PLUGIN, plugin, TAG_RETRYABLE, Boolean.toString("retryable".equals(result))).increment();
    }
  }

  /** An in-doubt attempt settled: {@code calledAgain} with {@code inDoubt=true}, else dead-lettered for a person to check. */
  public void inDoubt(String plugin, boolean calledAgain) {
    counter(PLUGIN_IN_DOUBT, TAG_PLUGIN, plugin, TAG_SETTLEMENT, calledAgain ? "called_again" : "dead_lettered").increment();
  }

  public void checkpoint(String plugin) {
    counter(CHECKPOINTS, TAG_PLUGIN, plugin).increment();
  }

  public void gatewayRequest(String route, String method, int status) {
    counter(GATEWAY_REQUESTS, TAG_ROUTE, route, TAG_METHOD, method.toUpperCase(Locale.ROOT), TAG_STATUS, Integer.toString(status)).increment();
  }

  /** A client's or app's meters, removed from the registry on {@link #close()}. */
  public interface Binding extends AutoCloseable {
    @Override
    void close();
  }

  /** Binds a Streams app's client, thread and task metrics; they go with the returned handle's close. */
  public Binding bind(KafkaStreams streams) {
    return this == DISCARD ? () -> { } : keep(new KafkaStreamsMetrics(streams));
  }

  /** Binds a producer's metrics (tagged with its client id); a client that is replaced closes its handle. */
  public Binding bind(Producer<?, ?> producer) {
    return this == DISCARD ? () -> { } : keep(new KafkaClientMetrics(producer));
  }

  public Binding bind(Consumer<?, ?> consumer) {
    return this == DISCARD ? () -> { } : keep(new KafkaClientMetrics(consumer));
  }

  private <B extends MeterBinder & AutoCloseable> Binding keep(B metrics) {
    metrics.bindTo(registry);
    synchronized (binders) {
      binders.add(metrics);
    }
    return () -> {
      synchronized (binders) {
        binders.remove(metrics);
      }
      try {
        metrics.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot unbind " + metrics, e);
      }
    };
  }

  /** Unbinds the Kafka binders still bound (their refresh threads stop). */
  @Override
  public void close() {
    List<AutoCloseable> all;
    synchronized (binders) {
      all = new ArrayList<>(binders);
      binders.clear();
    }
    for (AutoCloseable binder : all) {
      try {
        binder.close();
      } catch (Exception ignored) {
        // closing: the registry closes after this and takes the binder's meters with it
      }
    }
  }

  private Counter counter(String name, String... tags) {
    String[] values = tags.clone();
    for (int i = 1; i < values.length; i += 2) {
      values[i] = tag(values[i]);
    }
    return Counter.builder(name).tags(values).register(registry);
  }

  private static String tag(String value) {
    return value == null || value.isBlank() ? NONE : value;
  }
}
