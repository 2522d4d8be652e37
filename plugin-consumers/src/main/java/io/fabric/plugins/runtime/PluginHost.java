package io.fabric.plugins.runtime;

import io.fabric.observability.FabricMetrics;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.tracing.FabricTracing;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs one {@link PluginRuntime} per plugin of a registry in this process: what {@code fabric run}
 * (and {@code fabric demo}) start, e.g. {@code PluginHost.start(connection, catalog,
 * PluginRegistry.discover(), PluginRuntimeConfig.defaults())}. The catalog must know the plugins'
 * names ({@code catalog.withPlugins(registry.pluginNames())}) for their topics to be created.
 */
public final class PluginHost implements AutoCloseable {
  private final List<PluginRuntime> runtimes;
  private final InstanceIdentity identity;
  private final String instanceId;

  private PluginHost(List<PluginRuntime> runtimes, InstanceIdentity identity, String instanceId) {
    this.runtimes = List.copyOf(runtimes);
    this.identity = identity;
    this.instanceId = instanceId;
  }

  /**
   * Starts a runtime per plugin. Without a configured instance id, the runtimes of this host share one that
   * {@link InstanceIdentity} picks for this process (kept in {@code config.stateDir()} across restarts).
   */
  public static PluginHost start(KafkaConnection connection, TopicCatalog catalog, PluginRegistry registry, PluginRuntimeConfig config) {
    return start(connection, catalog, registry, config, FabricTracing.noop(), FabricMetrics.discard());
  }

  /**
   * @param tracing a span per plugin call and checkpoint; {@link FabricTracing#noop()} when tracing is off
   * @param metrics the process's metrics, which every runtime records into
   */
  public static PluginHost start(KafkaConnection connection, TopicCatalog catalog, PluginRegistry registry, PluginRuntimeConfig config,
                                 FabricTracing tracing, FabricMetrics metrics) {
    InstanceIdentity identity = config.instanceId() == null ? InstanceIdentity.acquire(config.stateDir()) : null;
    PluginRuntimeConfig effective = identity == null ? config : config.withInstanceId(identity.id());
    List<PluginRuntime> started = new ArrayList<>();
    try {
      for (FabricPlugin plugin : registry.plugins()) {
        PluginRuntime runtime = new PluginRuntime(connection, catalog, plugin, effective, metrics).tracedBy(tracing);
        started.add(runtime);
        runtime.start();
      }
    } catch (RuntimeException e) {
      started.forEach(PluginRuntime::close);
      if (identity != null) {
        identity.close();
      }
      throw e;
    }
    return new PluginHost(started, identity, effective.instanceId());
  }

  /** The instance id of this host's runtimes (part of their transactional ids). */
  public String instanceId() {
    return instanceId;
  }

  public List<PluginRuntime> runtimes() {
    return runtimes;
  }

  /** True once every runtime owns partitions of its task topic. */
  public boolean allAssigned() {
    return runtimes.stream().allMatch(r -> !r.assignment().isEmpty());
  }

  /** True once every runtime has its assignment and the flow state of its partitions restored ({@link PluginRuntime#caughtUp()}). */
  public boolean caughtUp() {
    return runtimes.stream().allMatch(PluginRuntime::caughtUp);
  }

  /** True while every runtime is consuming: not starting, recreating its clients or stopped. */
  public boolean healthy() {
    return runtimes.stream().allMatch(r -> r.state() == PluginRuntime.State.RUNNING);
  }

  /** Each runtime's task topic and {@link PluginRuntime.State}, for {@code /health}. */
  public java.util.Map<String, PluginRuntime.State> states() {
    java.util.Map<String, PluginRuntime.State> states = new java.util.TreeMap<>();
    runtimes.forEach(r -> states.put(r.taskTopic(), r.state()));
    return states;
  }

  /** The first runtime that stopped on its own, if any. */
  public Optional<PluginRuntime> failed() {
    return runtimes.stream().filter(r -> r.failure().isPresent()).findFirst();
  }

  @Override
  public void close() {
    runtimes.forEach(PluginRuntime::close);
    if (identity != null) {
      identity.close();
    }
  }
}
