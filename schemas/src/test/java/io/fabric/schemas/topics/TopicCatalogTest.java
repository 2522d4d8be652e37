package io.fabric.schemas.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.RoutedTask;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
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
  void theAuditChainKeepsEveryRecordAndHasOnePartitionPerAuditPartition() {
    assertEquals(TopicConfig.CLEANUP_POLICY_DELETE, catalog.auditChain.config().get(TopicConfig.CLEANUP_POLICY_CONFIG));
    assertEquals("-1", catalog.auditChain.config().get(TopicConfig.RETENTION_MS_CONFIG));
    assertEquals(catalog.audit.partitions(), catalog.auditChain.partitions());
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
      assertFalse(catalog.bypassesGate(input), input);
    }
    for (String behind : List.of("fabric.tasks.routed", "fabric.plugin.stripe.tasks", "fabric.plugin.x.canary.tasks",
        "fabric.tasks.approval-pending", "fabric.flows.state", "fabric.requests.status", "fabric.policy-stream-by-flow-repartition")) {
      assertTrue(catalog.bypassesGate(behind), behind);
    }
  }

  /**
   * These strings are contracts already deployed: application ids name changelogs and repartition
   * topics, group ids hold committed offsets, transactional ids fence zombies, stages are in stored
   * dead letters. They are spelled out here so that a change to how they are derived fails this test.
   */
  @Test
  void applicationGroupTransactionalIdsAndStagesKeepTheirExactNames() {
    TopicCatalog test = TopicCatalog.create("it-42.", 3, List.of("stripe"));

    assertEquals("fabric.policy-stream", catalog.applicationId(TopicCatalog.POLICY_STAGE));
    assertEquals("fabric.router-stream", catalog.applicationId(TopicCatalog.ROUTER_STAGE));
    assertEquals("it-42.policy-stream", test.applicationId(TopicCatalog.POLICY_STAGE));
    assertEquals("fabric.policy-stream-by-idempotency-key-repartition", catalog.repartitionTopic(TopicCatalog.POLICY_STAGE, "by-idempotency-key"));
    assertEquals("fabric.policy-stream-by-flow-repartition", catalog.repartitionTopic(TopicCatalog.POLICY_STAGE, "by-flow"));

    assertEquals("fabric.fabric-plugin-stripe", catalog.pluginGroupId("stripe", false));
    assertEquals("fabric.fabric-plugin-stripe-canary", catalog.pluginGroupId("stripe", true));
    assertEquals("it-42.fabric-plugin-stripe", test.pluginGroupId("stripe", false));
    assertEquals("fabric.fabric-plugin-stripe-node-1", catalog.pluginTransactionalId("stripe", false, "node-1"));
    assertEquals("fabric.fabric-plugin-stripe-canary-node-1", catalog.pluginTransactionalId("stripe", true, "node-1"));

    assertEquals("fabric.audit-chain", catalog.applicationId(TopicCatalog.AUDIT_CHAIN_STAGE));
    assertEquals("fabric.audit.chain", catalog.auditChain.name());
    assertEquals("fabric.dlq-replayer", catalog.dlqReplayerTransactionalId());
    assertEquals("it-42.dlq-replayer", test.dlqReplayerTransactionalId());

    assertEquals("policy-stream", TopicCatalog.POLICY_STAGE);
    assertEquals("router-stream", TopicCatalog.ROUTER_STAGE);
    assertEquals("plugin:stripe", TopicCatalog.pluginStage("stripe"));

    assertEquals("fabric.plugin.stripe.tasks", catalog.pluginTasks("stripe").name());
    assertEquals("fabric.plugin.stripe.canary.tasks", catalog.pluginCanaryTasks("stripe").name());
    assertEquals("it-42.plugin.stripe.canary.tasks", test.pluginTasks("stripe", true).name());
  }

  @Test
  void recognisesPluginStagesOnly() {
    assertTrue(TopicCatalog.isPluginStage("plugin:stripe"));
    for (String other : List.of(TopicCatalog.POLICY_STAGE, TopicCatalog.ROUTER_STAGE, "plugins:x", "")) {
      assertFalse(TopicCatalog.isPluginStage(other), other);
    }
    assertFalse(TopicCatalog.isPluginStage(null));
  }

  @Test
  void findsThePluginOfATaskTopicKnownOrNot() {
    assertEquals(Optional.of("stripe"), catalog.pluginOf("fabric.plugin.stripe.tasks"));
    assertEquals(Optional.of("stripe"), catalog.pluginOf("fabric.plugin.stripe.canary.tasks"));
    assertEquals(Optional.of("mail"), catalog.pluginOf("fabric.plugin.mail.tasks"), "a plugin the catalog was not told about");
    for (String other : List.of("fabric.tasks.routed", "fabric.plugin.stripe", "fabric.plugin..tasks", "other.plugin.stripe.tasks",
        "fabric.plugin.stripe.tasks.old", "fabric.dlq")) {
      assertEquals(Optional.empty(), catalog.pluginOf(other), other);
      assertFalse(catalog.isPluginTasksTopic(other), other);
    }
    assertFalse(catalog.isPluginTasksTopic(null));

    assertEquals(catalog.pluginCanaryTasks("mail").name(), catalog.pluginTasksTopic("fabric.plugin.mail.canary.tasks").orElseThrow().name());
    assertEquals(catalog.pluginTasks("mail").name(), catalog.pluginTasksTopic("fabric.plugin.mail.tasks").orElseThrow().name());
    assertEquals(Optional.empty(), catalog.pluginTasksTopic("fabric.tasks.routed"));
  }

  @Test
  void routedTasksAreOnTheRoutedTopicAndThePluginTaskTopics() {
    for (String routed : List.of("fabric.tasks.routed", "fabric.plugin.stripe.tasks", "fabric.plugin.mail.canary.tasks")) {
      assertTrue(catalog.carriesRoutedTasks(routed), routed);
    }
    for (String other : List.of("fabric.tasks.ingress", "fabric.tasks.replays", "fabric.dlq", "other.tasks.routed")) {
      assertFalse(catalog.carriesRoutedTasks(other), other);
    }
    assertFalse(catalog.carriesRoutedTasks(null));
  }
}
