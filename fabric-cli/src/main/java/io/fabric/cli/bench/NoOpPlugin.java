package io.fabric.cli.bench;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.TaskContext;
import java.util.Map;
import java.util.Set;

/**
 * The plugin the benchmark runs: declares every action of the mix that should execute and does
 * nothing, so the numbers are the fabric's own cost (policy, routing, checkpoint, status), not a
 * vendor's.
 */
final class NoOpPlugin implements FabricPlugin {
  static final String NAME = "bench-noop";

  private final Set<String> taskTypes;

  NoOpPlugin(Set<String> taskTypes) {
    this.taskTypes = Set.copyOf(taskTypes);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> taskTypes() {
    return taskTypes;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
    return Map.of();
  }

  @Override
  public InDoubtSupport inDoubtSupport() {
    return InDoubtSupport.SIDE_EFFECT_FREE;
  }
}
