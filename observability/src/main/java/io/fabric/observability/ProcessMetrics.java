package io.fabric.observability;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The metrics of one {@code fabric run} process: one Prometheus registry with the JVM binders, the
 * Kafka client and Streams binders of the apps it runs, and the fabric's own meters
 * ({@link FabricMetrics}); {@code /metrics} serves {@link #scrape()}.
 */
public final class ProcessMetrics implements AutoCloseable {
  /** What {@link #scrape()} returns: Prometheus' text format 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final FabricMetrics fabric = new FabricMetrics(registry);
  private final List<AutoCloseable> binders = new ArrayList<>();

  public ProcessMetrics() {
    new ClassLoaderMetrics().bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    JvmGcMetrics gc = new JvmGcMetrics();
    gc.bindTo(registry);
    binders.add(gc);
  }

  public FabricMetrics fabric() {
    return fabric;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  /** Binds a Streams app's client, thread and task metrics; they go with the returned handle's close. */
  public AutoCloseable bind(KafkaStreams streams) {
    KafkaStreamsMetrics metrics = new KafkaStreamsMetrics(streams);
    metrics.bindTo(registry);
    return keep(metrics);
  }

  /** Binds a producer's metrics (tagged with its client id); a client that is replaced closes its handle. */
  public AutoCloseable bind(Producer<?, ?> producer) {
    KafkaClientMetrics metrics = new KafkaClientMetrics(producer);
    metrics.bindTo(registry);
    return keep(metrics);
  }

  public AutoCloseable bind(Consumer<?, ?> consumer) {
    KafkaClientMetrics metrics = new KafkaClientMetrics(consumer);
    metrics.bindTo(registry);
    return keep(metrics);
  }

  private AutoCloseable keep(AutoCloseable metrics) {
    synchronized (binders) {
      binders.add(metrics);
    }
    return () -> {
      synchronized (binders) {
        binders.remove(metrics);
      }
      metrics.close();
    };
  }

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
        // closing: a binder that cannot unregister leaves nothing behind once the registry closes
      }
    }
    registry.close();
  }
}
