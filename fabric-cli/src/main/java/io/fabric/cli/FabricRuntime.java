package io.fabric.cli;

import io.fabric.audit.sequencer.AuditChainApp;
import io.fabric.audit.sequencer.AuditChainTopology;
import io.fabric.gateway.http.StatusStore;
import io.fabric.observability.FabricMetrics;
import io.fabric.observability.LagMonitor;
import io.fabric.plugins.runtime.PluginHost;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyApp;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.router.RouterApp;
import io.fabric.router.RouterTopology;
import io.fabric.schemas.SchemaPublisher;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.tracing.FabricTracing;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;

/**
 * The apps of one {@code fabric run}: the audit chain sequencer, policy-stream, router-stream, one runtime
 * per plugin and the status view, started in pipeline order and closed in reverse.
 */
public final class FabricRuntime implements AutoCloseable {
  /** The deployables {@code --apps} selects from. */
  public enum App { POLICY, ROUTER, PLUGINS, STATUS, AUDIT }

  /**
   * Everything the apps need; the state dir holds one sub-directory per Streams app;
   * {@code streamsOverrides} apply to every Streams app, {@code pluginRuntime} to every plugin runtime.
   */
  public record Settings(KafkaConnection connection, TopicCatalog catalog, PluginRegistry registry, Policy policy,
                         TokenVerifier verifier, Path stateDir, Set<App> apps, Map<String, Object> streamsOverrides,
                         PluginRuntimeConfig pluginRuntime, SubmitterVerifier submitters) {
    /** Without a submitter registry ({@code submitters} null) the gate is open: any producer may submit for any tenant. */
    public boolean requiresSignedRequests() {
      return submitters != null;
    }
  }

  private final List<AutoCloseable> started = new ArrayList<>();
  private StatusStore statusView;
  private final List<StreamsApp> streamsApps = new ArrayList<>();
  /** The consumer groups of the apps this process runs, whose lag {@code /metrics} shows. */
  private final List<String> groups = new java.util.concurrent.CopyOnWriteArrayList<>();
  private PluginHost plugins;

  private SubmitterVerifier submitters;
  private FabricMetrics metrics = FabricMetrics.discard();
  /** How often the consumer lag of the apps' groups is read. */
  static final Duration LAG_REFRESH = Duration.ofSeconds(5);

  private FabricRuntime() {}

  /** Without an HTTP gateway in front: the status store advertises no address (one instance holds every partition). */
  public static FabricRuntime start(Settings settings) {
    return start(settings, "127.0.0.1:0");
  }

  /**
   * @param advertisedHttp this process's gateway address ({@code host:port}): the status store is partitioned
   *     across the processes that run it, and the others forward reads for the ids this one holds to it
   */
  public static FabricRuntime start(Settings settings, String advertisedHttp) {
    return start(settings, advertisedHttp, FabricTracing.noop(), null);
  }

  /** @param tracing spans of every hop; the caller owns it (closes it after this runtime) */
  public static FabricRuntime start(Settings settings, String advertisedHttp, FabricTracing tracing) {
    return start(settings, advertisedHttp, tracing, null);
  }

  /**
   * @param tracing spans of every hop; the caller owns it (closes it after this runtime)
   * @param metrics the process's metrics ({@code fabric run}'s {@code /metrics}): every app records into it, its
   *     Kafka clients and Streams are bound to it, and the consumer lag of the apps' groups is read into it;
   *     null records nothing
   */
  public static FabricRuntime start(Settings settings, String advertisedHttp, FabricTracing tracing, FabricMetrics metrics) {
    FabricRuntime runtime = new FabricRuntime();
    try {
      SchemaPublisher.publish(settings.connection().clientConfig());
      runtime.submitters = settings.submitters();
      if (metrics != null) {
        runtime.metrics = metrics;
      }
      // the Streams apps' processors and error handlers find the metrics in their configuration
      Map<String, Object> streamsOverrides = new java.util.HashMap<>(settings.streamsOverrides());
      streamsOverrides.put(FabricMetrics.REGISTRY_CONFIG, runtime.metrics);
      Set<App> apps = settings.apps().isEmpty() ? EnumSet.allOf(App.class) : settings.apps();
      if (apps.contains(App.AUDIT)) {
        // started first: it only reads fabric.audit, and the chain should be there for every event the others write
        runtime.startStreams(AuditChainApp.create(settings.connection(), settings.catalog(),
            settings.stateDir().resolve(AuditChainTopology.STAGE), streamsOverrides));
        runtime.groups.add(settings.catalog().applicationId(AuditChainTopology.STAGE));
      }
      if (apps.contains(App.STATUS)) {
        runtime.statusView = StatusStore.start(settings.connection(), settings.catalog(), settings.stateDir().resolve(StatusStore.STAGE),
            advertisedHttp, streamsOverrides);
        runtime.started.add(runtime.statusView);
        runtime.started.add(runtime.metrics.bind(runtime.statusView.streams()));
        runtime.groups.add(settings.catalog().applicationId(StatusStore.STAGE));
      }
      if (apps.contains(App.PLUGINS)) {
        // agent runs need this process's Kafka connection, policy and meters, which ServiceLoader cannot hand a plugin
        var agents = io.fabric.agents.flow.AgentRunSetup.configure(settings.registry(), settings.connection(), settings.catalog(),
            settings.policy(), runtime.metrics.registry(), io.fabric.agents.router.ModelProviders.fromSystem());
        runtime.started.add(agents.resources());
        runtime.plugins = PluginHost.start(settings.connection(), settings.catalog(), agents.registry(), settings.pluginRuntime(),
            tracing, runtime.metrics);
        runtime.started.add(runtime.plugins);
        runtime.plugins.runtimes().forEach(p -> runtime.groups.add(p.groupId()));
      }
      if (apps.contains(App.ROUTER)) {
        runtime.startStreams(RouterApp.create(settings.connection(), settings.catalog(), settings.registry(),
            settings.stateDir().resolve(RouterTopology.STAGE), streamsOverrides, tracing));
        runtime.groups.add(settings.catalog().applicationId(RouterTopology.STAGE));
      }
      if (apps.contains(App.POLICY)) {
        runtime.startStreams(PolicyApp.create(settings.connection(), settings.catalog(), settings.policy(), settings.verifier(),
            settings.submitters(), settings.stateDir().resolve(PolicyApp.STAGE), streamsOverrides, tracing));
        runtime.groups.add(settings.catalog().applicationId(PolicyApp.STAGE));
      }
      if (metrics != null) {
        runtime.started.add(LagMonitor.start(Admin.create(settings.connection().clientConfig()), () -> List.copyOf(runtime.groups),
            metrics.registry(), LAG_REFRESH));
      }
      return runtime;
    } catch (RuntimeException e) {
      runtime.close();
      throw e;
    }
  }

  private void startStreams(StreamsApp app) {
    started.add(app);
    started.add(metrics.bind(app.streams()));
    streamsApps.add(app);
    app.startAndAwait(Duration.ofSeconds(60));
  }

  /** The status store, or null when this process does not run the status app. */
  public StatusStore statusView() {
    return statusView;
  }

  /** Whether this process was started with a submitter registry: its gate accepts only signed requests, its HTTP reads need a credential. */
  public boolean requiresSignedRequests() {
    return submitters != null;
  }

  /** The submitter registry's verifier, or null when the fabric runs open. */
  public SubmitterVerifier submitters() {
    return submitters;
  }

  /** True while every Streams app is running or rebalancing and no plugin runtime has stopped on an error. */
  public boolean healthy() {
    return streamsApps.stream().allMatch(StreamsApp::isRunning)
        && (plugins == null || plugins.healthy())
        && (statusView == null || statusView.isRunning());
  }

  /**
   * Why the process must stop, if an app failed for good: a plugin runtime in
   * {@link io.fabric.plugins.runtime.PluginRuntime.State#FAILED}. {@code fabric run} then exits
   * non-zero so its supervisor restarts it.
   */
  public java.util.Optional<String> fatalFailure() {
    if (plugins == null) {
      return java.util.Optional.empty();
    }
    return plugins.failed().map(p -> "plugin runtime " + p.transactionalId() + " stopped: "
        + io.fabric.schemas.records.DeadLetters.describe(p.failure().orElseThrow()));
  }

  /** Each app's state for {@code /health}: the plugin runtimes by task topic (RUNNING, RECREATING, FAILED, ...). */
  public Map<String, String> appStates() {
    Map<String, String> states = new java.util.TreeMap<>();
    streamsApps.forEach(app -> states.put(app.name(), app.isRunning() ? "RUNNING" : "DOWN"));
    if (plugins != null) {
      plugins.states().forEach((topic, state) -> states.put("plugin-runtime:" + topic, state.name()));
    }
    if (statusView != null) {
      states.put(StatusStore.STAGE, statusView.isRunning() ? "RUNNING" : "DOWN");
    }
    return states;
  }

  /**
   * Whether each app is caught up, for {@code /ready}: a Streams app RUNNING (not rebalancing) with no
   * store restoring, a plugin runtime with its assignment and the flow state of its partitions restored,
   * the status store likewise.
   */
  public Map<String, Boolean> readiness() {
    Map<String, Boolean> ready = new java.util.TreeMap<>();
    streamsApps.forEach(app -> ready.put(app.name(), app.caughtUp()));
    if (plugins != null) {
      plugins.runtimes().forEach(p -> ready.put("plugin-runtime:" + p.taskTopic(), p.caughtUp()));
    }
    if (statusView != null) {
      ready.put(StatusStore.STAGE, statusView.ready());
    }
    return ready;
  }

  /** Every app {@link #readiness() caught up}. */
  public boolean ready() {
    Map<String, Boolean> ready = readiness();
    return !ready.isEmpty() && ready.values().stream().allMatch(Boolean::booleanValue);
  }

  public List<String> appNames() {
    List<String> names = new ArrayList<>(streamsApps.stream().map(StreamsApp::name).toList());
    if (plugins != null) {
      plugins.runtimes().forEach(p -> names.add("plugin-runtime:" + p.taskTopic()));
    }
    if (statusView != null) {
      names.add(StatusStore.STAGE);
    }
    return names;
  }

  @Override
  public void close() {
    List<AutoCloseable> reverse = new ArrayList<>(started);
    Collections.reverse(reverse);
    for (AutoCloseable app : reverse) {
      try {
        app.close();
      } catch (Exception e) {
        System.err.println("warning: closing " + app + " failed: " + e.getMessage());
      }
    }
    started.clear();
  }
}
