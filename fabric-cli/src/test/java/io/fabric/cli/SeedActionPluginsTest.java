package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.policy.ActionClass;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * Issue 23: a seed class-B action that is approved must reach a plugin, not the DLQ as
 * UNKNOWN_TASK_TYPE. Every such action is claimed by a plugin the fabric discovers, and that
 * plugin's task topic is in the catalog the manifests are rendered from.
 */
class SeedActionPluginsTest {
  @Test
  void everySeedClassBActionIsClaimedByADiscoveredPluginWithATaskTopic() {
    PluginRegistry registry = PluginRegistry.discover();
    TopicCatalog catalog = DeployCommand.catalog(TopicCatalog.DEFAULT_PARTITIONS);
    Set<String> topics = new TreeSet<>(catalog.all().stream().map(TopicSpec::name).toList());
    List<String> unclaimed = new ArrayList<>();
    for (String action : new TreeSet<>(Policy.SEED_CLASS_B)) {
      assertEquals(ActionClass.B, Policy.defaults().classify("acme", action).actionClass(), action);
      registry.forTaskType(action).map(FabricPlugin::name).ifPresentOrElse(
          plugin -> assertTrue(topics.contains(catalog.pluginTasks(plugin).name()), action + " -> " + plugin + " has no task topic"),
          () -> unclaimed.add(action));
    }
    assertEquals(List.of(), unclaimed, "seed class-B actions no plugin claims");
  }

  @Test
  void theDemoAndDefaultPoliciesNeedAnApprovalForTheNewPluginsActions() {
    // send_slack is not in the design's seed sets: it is class B as every action the policy does not name
    for (Policy policy : List.of(Policy.defaults(), PolicyFile.parse(DemoCommand.DEMO_POLICY))) {
      for (String action : List.of("send_linkedin", "publish_content", "modify_lead_routing", "send_slack")) {
        assertEquals(ActionClass.B, policy.classify("acme", action).actionClass(), action);
      }
    }
  }

  @Test
  void theNewPluginsOwnTheActionsTheyWereBuiltFor() {
    PluginRegistry registry = PluginRegistry.discover();

    assertEquals("linkedin", registry.forTaskType("send_linkedin").orElseThrow().name());
    assertEquals("cms", registry.forTaskType("publish_content").orElseThrow().name());
    assertEquals("crm-routing", registry.forTaskType("modify_lead_routing").orElseThrow().name());
    assertEquals("slack", registry.forTaskType("send_slack").orElseThrow().name());
  }
}
