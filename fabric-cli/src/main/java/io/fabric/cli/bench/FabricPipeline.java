package io.fabric.cli.bench;

import io.fabric.cli.FabricRuntime;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.policy.Policy;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The real pipeline: {@link FabricClient} onto the ingress topic, policy-stream, router-stream and a
 * plugin runtime with {@link NoOpPlugin}, started by {@link FabricRuntime} exactly as {@code fabric
 * run} starts them (without the status view, whose work is not on a request's path). A request ends
 * at its terminal status on {@code requests.status}: EXECUTED, written in the plugin runtime's
 * checkpoint transaction, or BLOCKED for class C, written by the policy gate.
 */
final class FabricPipeline implements Pipeline {
  /** Statuses the policy gate writes: the moment policy-stream has decided on a request. */
  private static final Set<String> DECIDED_BY_POLICY = Set.of(Outcome.ROUTED.name(), Outcome.BLOCKED.name(),
      Outcome.PENDING_APPROVAL.name(), Outcome.DUPLICATE.name());

  private final TopicCatalog catalog;
  private final FabricRuntime runtime;
  private final FabricClient client;
  private final OutputWatcher watcher;

  private FabricPipeline(TopicCatalog catalog, FabricRuntime runtime, FabricClient client, OutputWatcher watcher) {
    this.catalog = catalog;
    this.runtime = runtime;
    this.client = client;
    this.watcher = watcher;
  }

  static FabricPipeline start(KafkaConnection connection, String topicPrefix, int partitions, Workload workload, Path stateDir,
                              Map<String, Object> streamsOverrides, CompletionLedger ledger) {
    PluginRegistry registry = PluginRegistry.of(List.of(new NoOpPlugin(workload.mix().executableActions())));
    TopicCatalog catalog = TopicCatalog.create(topicPrefix, partitions, registry.pluginNames());
    TopicsApplier.apply(connection, catalog);
    FabricRuntime runtime = FabricRuntime.start(new FabricRuntime.Settings(connection, catalog, registry, Policy.defaults(),
        workload.verifier(), stateDir, EnumSet.of(FabricRuntime.App.POLICY, FabricRuntime.App.ROUTER, FabricRuntime.App.PLUGINS),
        streamsOverrides, PluginRuntimeConfig.defaults(), workload.submitters()));
    FabricClient client = null;
    try {
      client = new FabricClient(connection, catalog, BenchKafka.ingressProducerConfig("fabric-bench-ingress"), Clock.systemUTC());
      AvroSerde<RequestStatus> statuses = AvroSerde.of(RequestStatus.class);
      String statusTopic = catalog.requestStatus.name();
      OutputWatcher watcher = new OutputWatcher(connection, statusTopic, partitions, "fabric-bench-status-reader", (seq, bytes, now) -> {
        String outcome = statuses.deserialize(statusTopic, bytes).getOutcome();
        if (DECIDED_BY_POLICY.contains(outcome)) {
          ledger.decided(seq, now);
        }
        if (Outcome.valueOf(outcome).terminal()) {
          ledger.ended(seq, outcome, now);
        }
      });
      return new FabricPipeline(catalog, runtime, client, watcher);
    } catch (RuntimeException e) {
      if (client != null) {
        client.close();
      }
      runtime.close();
      throw e;
    }
  }

  @Override
  public String name() {
    return "fabric";
  }

  @Override
  public List<String> hops() {
    return List.of(catalog.ingress.name(), "policy-stream (validate -> deduplicate -> by-request-id and by-flow repartitions -> gate -> by-tenant repartition -> limits)",
        catalog.routed.name(), "router-stream", catalog.pluginTasks(NoOpPlugin.NAME).name(),
        "plugin runtime (no-op call, checkpoints of a poll in one transaction)", catalog.requestStatus.name());
  }

  @Override
  public void send(TaskRequest request) {
    client.send(request);
  }

  @Override
  public void flush() {
    client.flush();
  }

  @Override
  public String failure() {
    if (watcher.failure() != null) {
      return "status reader failed: " + watcher.failure();
    }
    return runtime.healthy() ? null : "a Streams app of the fabric is not running";
  }

  @Override
  public void close() {
    client.close();
    watcher.close();
    runtime.close();
  }
}
