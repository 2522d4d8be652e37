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

  /**
   * It does nothing, and says so: without a declaration the runtime assumes the default 20 s worst case and its poll
   * budget then lets one poll (one transaction) carry only 13 tasks, while the baseline's relay takes
   * {@code max.poll.records} (50) per transaction; the comparison would measure that cap, not the fabric's work.
   */
  @Override
  public java.util.Optional<java.time.Duration> worstCaseCall() {
    return java.util.Optional.of(java.time.Duration.ofMillis(100));
  }
}
