package io.fabric.plugins.spi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PluginRegistryTest {

  @Test
  void routesEachTaskTypeToThePluginThatDeclaresIt() {
    PluginRegistry registry = PluginRegistry.of(List.of(plugin("notes", "summarize"), plugin("billing", "charge", "refund")));

    assertEquals("billing", registry.forTaskType("refund").orElseThrow().name());
    assertEquals(List.of("billing", "notes"), registry.pluginNames());
    assertTrue(registry.forTaskType("unknown").isEmpty());
  }

  @Test
  void refusesTwoPluginsClaimingOneTaskType() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PluginRegistry.of(List.of(plugin("a", "charge"), plugin("b", "charge"))));

    assertEquals("task type 'charge' is declared by two plugins: a and b", e.getMessage());
  }

  @Test
  void refusesAPluginNameThatCannotBeATopicName() {
    assertThrows(IllegalStateException.class, () -> PluginRegistry.of(List.of(plugin("Billing.V2", "charge"))));
  }

  @Test
  void discoversNothingWhenNoPluginIsOnTheClasspath() {
    // plugin-spi ships no plugin: the builtin and vendor plugins live in plugin-consumers.
    assertTrue(PluginRegistry.discover().pluginNames().isEmpty());
  }

  private static FabricPlugin plugin(String name, String... taskTypes) {
    return new FabricPlugin() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Set<String> taskTypes() {
        return Set.of(taskTypes);
      }

      @Override
      public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
        return Map.of();
      }
    };
  }
}
