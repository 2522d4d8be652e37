package io.fabric.router;

import io.fabric.contracts.RoutedTask;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.schemas.topics.TopicCatalog;
import java.util.Optional;

/** Picks the task topic for a routed task from the plugins' own declarations; empty for an unknown task type. */
public final class RouteTable {
  private final PluginRegistry registry;
  private final TopicCatalog catalog;

  public RouteTable(PluginRegistry registry, TopicCatalog catalog) {
    this.registry = registry;
    this.catalog = catalog;
  }

  public Optional<String> topicFor(RoutedTask task) {
    return registry.forTaskType(task.getRequest().getAction()).map(plugin -> topicOf(plugin, task.getDecision().getCanary()));
  }

  private String topicOf(FabricPlugin plugin, boolean canary) {
    return canary && plugin.canaryVersion().isPresent() ? catalog.pluginCanaryTasks(plugin.name()).name() : catalog.pluginTasks(plugin.name()).name();
  }
}
