package io.fabric.schemas.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.schemas.topics.AccessRules.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;

class AccessRulesTest {
  private final TopicCatalog catalog = TopicCatalog.create(3, List.of("email", "stripe"));
  private final List<Principal> all = AccessRules.all(catalog, List.of("crm"));

  @Test
  void everyCatalogTopicHasAWriter() {
    for (TopicSpec<?, ?> topic : catalog.all()) {
      assertTrue(all.stream().anyMatch(p -> p.mayWrite(topic.name())),
          topic.name() + " is in TopicCatalog but no principal may write it: declare its writer in AccessRules");
    }
  }

  @Test
  void onlyTheGatewayAndRegisteredSubmittersMayWriteTheIngress() {
    assertEquals(List.of("plugins", "status", "submitter-crm"), writersOf(catalog.ingress), "plugins: the agents' signed tool calls");
  }

  @Test
  void onlyTheReplayerMayWriteTheReplays() {
    assertEquals(List.of(AccessRules.DLQ_REPLAYER), writersOf(catalog.replays));
  }

  @Test
  void onlyThePolicyAdminMayWriteThePolicyTopicAndThePolicyAppReadsIt() {
    assertEquals(List.of(AccessRules.POLICY_ADMIN), writersOf(catalog.policy));
    assertTrue(AccessRules.forApp(catalog, "policy").mayRead(catalog.policy.name()));
    Principal admin = AccessRules.policyAdmin(catalog);
    for (TopicSpec<?, ?> topic : catalog.all()) {
      // the breakers topic too: an operator's reset, which counts only with an approver's signature
      assertEquals(topic == catalog.policy || topic == catalog.schemas || topic == catalog.breakers, admin.mayWrite(topic.name()), topic.name());
    }
  }

  @Test
  void aSubmitterMayWriteTheIngressAndNothingBehindTheGate() {
    Principal crm = AccessRules.submitter(catalog, "crm");
    for (TopicSpec<?, ?> topic : catalog.all()) {
      assertEquals(topic == catalog.ingress, crm.mayWrite(topic.name()), topic.name());
    }
    assertEquals(List.of(), crm.grants().stream().filter(g -> g.resource() != AccessRules.Resource.TOPIC).toList());
  }

  @Test
  void theTopicsBehindTheGateAreWrittenOnlyByTheAppWhoseStepTheyAre() {
    assertEquals(List.of("policy"), writersOf(catalog.routed));
    assertEquals(List.of("policy"), writersOf(catalog.blocked));
    assertEquals(List.of("policy"), writersOf(catalog.approvalPending));
    assertEquals(List.of("plugins", "router"), writersOf(catalog.pluginTasks("stripe")));
    assertEquals(List.of("plugins"), writersOf(catalog.flowState));
    assertEquals(List.of("plugins"), writersOf(catalog.flowRevisions));
    assertEquals(List.of("plugins", "policy", "router"), writersOf(catalog.requestStatus));
    assertEquals(List.of("audit"), writersOf(catalog.auditChain));
  }

  @Test
  void eachAppReadsItsInputs() {
    assertTrue(AccessRules.forApp(catalog, "policy").mayRead(catalog.ingress.name()));
    assertTrue(AccessRules.forApp(catalog, "router").mayRead(catalog.routed.name()));
    assertTrue(AccessRules.forApp(catalog, "plugins").mayRead(catalog.pluginCanaryTasks("email").name()));
    assertTrue(AccessRules.forApp(catalog, "status").mayRead(catalog.requestStatus.name()));
    assertTrue(!AccessRules.forApp(catalog, "router").mayRead(catalog.ingress.name()), "the router never sees requests before the gate");
  }

  @Test
  void streamsAppsOwnTheirInternalTopicsGroupsAndTransactionalIdsByPrefix() {
    Principal policy = AccessRules.forApp(catalog, "policy");
    assertTrue(policy.mayWrite(catalog.repartitionTopic(TopicCatalog.POLICY_STAGE, "by-flow")));
    assertTrue(policy.grants().contains(new AccessRules.Grant(AccessRules.Resource.GROUP, "fabric.policy-stream", true,
        java.util.Set.of(AccessRules.Operation.READ, AccessRules.Operation.DESCRIBE))));
    assertTrue(!AccessRules.forApp(catalog, "router").mayWrite(catalog.repartitionTopic(TopicCatalog.POLICY_STAGE, "by-flow")));
  }

  @Test
  void anUnknownAppOrABadSubmitterNameIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> AccessRules.forApp(catalog, "auditor"));
    assertThrows(IllegalArgumentException.class, () -> AccessRules.submitter(catalog, "Bad Name"));
  }

  private List<String> writersOf(TopicSpec<?, ?> topic) {
    return all.stream().filter(p -> p.mayWrite(topic.name())).map(Principal::app).sorted().toList();
  }
}
