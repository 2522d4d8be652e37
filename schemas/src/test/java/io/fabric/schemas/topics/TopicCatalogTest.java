package io.fabric.schemas.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.RoutedTask;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

class TopicCatalogTest {
  private final TopicCatalog catalog = TopicCatalog.create(3, List.of("builtin", "stripe"));

  @Test
  void declaresEveryTopicOfTheDesignWithUniqueNames() {
    Set<String> names = new HashSet<>();
    catalog.all().forEach(t -> assertTrue(names.add(t.name()), "duplicate " + t.name()));

    assertTrue(names.containsAll(List.of("fabric.tasks.ingress", "fabric.tasks.replays", "fabric.tasks.blocked", "fabric.tasks.approval-pending",
        "fabric.approvals", "fabric.tasks.routed", "fabric.plugin.builtin.tasks", "fabric.plugin.stripe.tasks",
        "fabric.flows.state", "fabric.flows.revisions", "fabric.requests.status", "fabric.dlq", "fabric.audit", "fabric.schemas")), names.toString());
  }

  @Test
  void stateStatusAndSchemaTopicsAreCompactedOthersExpire() {
    for (TopicSpec<?, ?> t : List.of(catalog.flowState, catalog.requestStatus, catalog.schemas)) {
      assertEquals(TopicConfig.CLEANUP_POLICY_COMPACT, t.config().get(TopicConfig.CLEANUP_POLICY_CONFIG), t.name());
    }
    for (TopicSpec<?, ?> t : List.of(catalog.ingress, catalog.routed, catalog.audit, catalog.flowRevisions)) {
      assertEquals(TopicConfig.CLEANUP_POLICY_DELETE, t.config().get(TopicConfig.CLEANUP_POLICY_CONFIG), t.name());
      assertTrue(Long.parseLong(t.config().get(TopicConfig.RETENTION_MS_CONFIG)) > 0, t.name());
    }
  }

  @Test
  void taskTopicsShareOnePartitionCountSoFlowsStayCoPartitioned() {
    for (TopicSpec<?, ?> t : List.of(catalog.ingress, catalog.approvals, catalog.routed, catalog.pluginTasks("stripe"), catalog.flowState)) {
      assertEquals(3, t.partitions(), t.name());
    }
  }

  @Test
  void serdesComeFromTheCatalogAndRoundTrip() {
    TopicSpec<String, RoutedTask> topic = catalog.pluginTasks("builtin");
    assertEquals("fabric.plugin.builtin.tasks", topic.name());
    assertEquals("k", topic.keySerde().deserializer().deserialize("t", topic.keySerde().serializer().serialize("t", "k")));
  }

  @Test
  void rejectsNonsensePartitionCounts() {
    assertThrows(IllegalArgumentException.class, () -> TopicCatalog.create(0, List.of()));
  }

  @Test
  void onlyTheGatesInputsAreNotBehindTheGate() {
    for (String input : List.of("fabric.tasks.ingress", "fabric.tasks.replays", "fabric.approvals", "other.topic")) {
      org.junit.jupiter.api.Assertions.assertFalse(catalog.bypassesGate(input), input);
    }
    for (String behind : List.of("fabric.tasks.routed", "fabric.plugin.stripe.tasks", "fabric.plugin.x.canary.tasks",
        "fabric.tasks.approval-pending", "fabric.flows.state", "fabric.requests.status", "fabric.policy-stream-by-flow-repartition")) {
      assertTrue(catalog.bypassesGate(behind), behind);
    }
  }
}
