package io.fabric.agents.flow;

import io.fabric.agents.definition.AgentDefinition;
import io.fabric.agents.definition.AgentDefinitions;
import io.fabric.agents.model.ProviderConfig;
import io.fabric.agents.router.ModelMetrics;
import io.fabric.agents.router.ModelProviders;
import io.fabric.agents.run.FabricActionTools;
import io.fabric.agents.run.TurnDecider;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Configures the {@link AgentRunPlugin} of a process that runs plugins ({@code fabric run}): the agents of
 * a directory, the model providers, a signing {@link FabricClient} for each agent's submitter whose key
 * is in the keys directory, and the model meters on the process's registry (its {@code /metrics}).
 * Without an agents directory or a provider the plugin stays unconfigured and its runs fail saying so.
 *
 * <p>Settings (system property, else the environment variable in upper case with {@code _}):
 * {@code fabric.agents.dir} (default {@code agents}), {@code fabric.agents.keys_dir} (default {@code keys}),
 * {@code fabric.agents.wait_poll_ms} (1000, how often a waiting run looks at its tool calls' outcomes),
 * {@code fabric.agents.run_deadline_ms} (86400000), and the providers' settings ({@link ModelProviders}).
 */
public final class AgentRunSetup {
  private static final Logger log = LoggerFactory.getLogger(AgentRunSetup.class);
  public static final String DIR = ModelProviders.PREFIX + "dir";
  public static final String KEYS_DIR = ModelProviders.PREFIX + "keys_dir";
  public static final String WAIT_POLL_MS = ModelProviders.PREFIX + "wait_poll_ms";
  public static final String RUN_DEADLINE_MS = ModelProviders.PREFIX + "run_deadline_ms";
  /** {@code model}: the seed's class-A text actions ask the configured model first ({@link ModelBackedActions}); default {@code builtin}. */
  public static final String BUILTIN_ACTIONS = ModelProviders.PREFIX + "builtin_actions";

  /** The registry to run (the agents plugin configured when it could be) and what to close after the runtimes. */
  public record Configured(PluginRegistry registry, AutoCloseable resources, Optional<String> why) {}

  private AgentRunSetup() {}

  /** @param policy the gate's policy, by which a proposed tool's class is judged for the agents' escalation rules */
  public static Configured configure(PluginRegistry registry, KafkaConnection connection, TopicCatalog catalog, Policy policy,
      MeterRegistry meters, Function<String, Optional<String>> settings) {
    if (registry.byName(AgentRunPlugin.NAME).isEmpty()) {
      return new Configured(registry, () -> { }, Optional.of("no agents plugin on the classpath"));
    }
    Path dir = Path.of(settings.apply(DIR).orElse("agents"));
    if (!Files.isDirectory(dir)) {
      String why = "no agents directory " + dir.toAbsolutePath();
      log.info("agents: agent runs are off ({})", why);
      return new Configured(registry, () -> { }, Optional.of(why));
    }
    // with agents to run, a provider configured wrongly fails the start, naming the key (as fabric agents run does)
    List<ProviderConfig> providers = ModelProviders.configs(settings);
    if (providers.isEmpty()) {
      log.info("agents: agent runs are off (no model provider configured)");
      return new Configured(registry, () -> { }, Optional.of("no model provider configured"));
    }
    AgentDefinitions.Catalog agents;
    try {
      agents = AgentDefinitions.load(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the agents directory " + dir, e);
    }
    agents.problems().forEach(p -> log.warn("agents: {}", p));
    Path keys = Path.of(settings.apply(KEYS_DIR).orElse("keys"));
    Map<String, FabricClient> clients = new LinkedHashMap<>();
    for (AgentDefinition agent : agents.byName().values()) {
      Path key = keys.resolve(agent.submitter() + ApproverKeys.PRIVATE_KEY_SUFFIX);
      if (clients.containsKey(agent.submitter()) || !Files.isRegularFile(key)) {
        continue;
      }
      try {
        clients.put(agent.submitter(), new FabricClient(connection, catalog)
            .signedBy(new RequestSigner(agent.submitter(), ApproverKeys.readPrivateKey(key))));
      } catch (IOException e) {
        clients.values().forEach(FabricClient::close);
        throw new UncheckedIOException("cannot read the key of agent submitter " + agent.submitter() + " at " + key, e);
      }
    }
    FabricToolRequests tools = new FabricToolRequests(connection, catalog, clients);
    Duration worstTurn = providers.stream().map(ProviderConfig::timeout).reduce(Duration.ZERO, Duration::plus).multipliedBy(3);
    var router = ModelProviders.router(settings, HttpClient.newHttpClient(), new ModelMetrics(meters));
    boolean modelActions = "model".equals(settings.apply(BUILTIN_ACTIONS).orElse("builtin"));
    AgentRunPlugin plugin = AgentRunPlugin.configured(new AgentRunPlugin.Setup(agents::get,
        router, new TurnDecider(policy), tools,
        FabricActionTools.SPECS, providers.stream().flatMap(p -> p.apiKey().stream()).toList(),
        Duration.ofMillis(Long.parseLong(settings.apply(WAIT_POLL_MS).orElse("1000"))),
        Duration.ofMillis(Long.parseLong(settings.apply(RUN_DEADLINE_MS).orElse("86400000"))), worstTurn));
    List<FabricPlugin> plugins = new ArrayList<>();
    for (FabricPlugin p : registry.plugins()) {
      if (p.name().equals(AgentRunPlugin.NAME)) {
        plugins.add(plugin);
      } else if (modelActions && p.taskTypes().containsAll(ModelBackedActions.SHAPES.keySet())) {
        plugins.add(new ModelBackedActions(p, router, worstTurn));
      } else {
        plugins.add(p);
      }
    }
    log.info("agents: {} agent(s) from {}, providers {}, signing as {}", agents.byName().size(), dir, providers.stream()
        .map(ProviderConfig::name).toList(), clients.keySet());
    return new Configured(PluginRegistry.of(plugins), tools, Optional.empty());
  }
}
