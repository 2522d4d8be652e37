package io.fabric.plugins.spi;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Task type to plugin, built from the plugins' own declarations. Two plugins claiming one task
 * type is a configuration error found at start, not a routing coin toss.
 */
public final class PluginRegistry {
  private final Map<String, FabricPlugin> byName;
  private final Map<String, FabricPlugin> byTaskType;

  private PluginRegistry(Collection<FabricPlugin> plugins) {
    Map<String, FabricPlugin> names = new LinkedHashMap<>();
    Map<String, FabricPlugin> types = new LinkedHashMap<>();
    for (FabricPlugin plugin : plugins) {
      if (!plugin.name().matches("[a-z0-9][a-z0-9-]*")) {
        throw new IllegalStateException("plugin name '" + plugin.name() + "' must be lower-case letters, digits and '-'");
      }
      FabricPlugin sameName = names.putIfAbsent(plugin.name(), plugin);
      if (sameName != null) {
        throw new IllegalStateException("two plugins are named '" + plugin.name() + "': " + sameName.getClass().getName()
            + " and " + plugin.getClass().getName());
      }
      for (String type : plugin.taskTypes()) {
        FabricPlugin owner = types.putIfAbsent(type, plugin);
        if (owner != null) {
          throw new IllegalStateException("task type '" + type + "' is declared by two plugins: " + owner.name() + " and " + plugin.name());
        }
      }
    }
    this.byName = Map.copyOf(names);
    this.byTaskType = Map.copyOf(types);
  }

  public static PluginRegistry of(Collection<FabricPlugin> plugins) {
    return new PluginRegistry(plugins);
  }

  /** Every plugin on the classpath. */
  public static PluginRegistry discover() {
    List<FabricPlugin> plugins = new ArrayList<>();
    ServiceLoader.load(FabricPlugin.class).forEach(plugins::add);
    return new PluginRegistry(plugins);
  }

  public Optional<FabricPlugin> forTaskType(String taskType) {
    return Optional.ofNullable(byTaskType.get(taskType));
  }

  public Optional<FabricPlugin> byName(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  public List<String> pluginNames() {
    return byName.keySet().stream().sorted().toList();
  }

  public Collection<FabricPlugin> plugins() {
    return byName.values();
  }
}
