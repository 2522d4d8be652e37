package io.fabric.policy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.policy.NoApproverRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyApp;
import io.fabric.policy.PolicyPublisher;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * On the real broker under exactly_once_v2: a policy published mid-stream changes the decisions of
 * later requests in the running gate, with no restart, and no request is decided twice.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class PolicyHotReloadIntegrationTest {
  private static final String TIGHTER = "version: v2\nclasses:\n  B: [summarize]\n";

  @TempDir
  Path stateDir;

  @Test
  void aPolicyPublishedMidStreamDecidesLaterRequestsWithoutARestart() throws Exception {
    TopicCatalog catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("reload") + ".", 3, List.of());
    KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
    Policy start = Policy.defaults();
    try (StreamsApp app = PolicyApp.create(kafka, catalog, start, new NoApproverRegistry(), stateDir, Map.of()).startAndAwait(Duration.ofSeconds(60));
         FabricClient client = new FabricClient(kafka, catalog)) {
      // Given summaries routed under the start policy
      List<String> before = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        before.add(client.submit(Submission.of("acme", "summarize").payload("{\"text\":\"b" + i + "\"}")).getRequestId());
      }
      // every one, not the last: they are on different partitions, and a Streams commit can carry one task's records
      // while another task of the thread still has some buffered (one of those would otherwise meet the new policy)
      await().atMost(Duration.ofSeconds(60)).until(() -> decisions(kafka, catalog).keySet().containsAll(before));

      // When a policy that makes summarize class B is published to the running fabric
      PolicyPublisher.Published published = PolicyPublisher.publish(kafka, catalog, TIGHTER, "test policy");
      String v2 = published.policy().version();
      // the switch is asynchronous (the global store catches up); probe until a summary waits
      List<String> after = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        TaskRequest probe = client.submit(Submission.of("acme", "summarize").payload("{\"text\":\"probe\"}"));
        after.add(probe.getRequestId());
        await().atMost(Duration.ofSeconds(30)).until(() -> decisions(kafka, catalog).containsKey(probe.getRequestId()));
        return decisions(kafka, catalog).get(probe.getRequestId()).equals(List.of("PENDING_APPROVAL@" + v2));
      });
      List<String> later = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        later.add(client.submit(Submission.of("acme", "summarize").payload("{\"text\":\"a" + i + "\"}")).getRequestId());
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> decisions(kafka, catalog).keySet().containsAll(later));

      // Then earlier requests were routed by the start policy, later ones wait under v2, and each was decided exactly once
      Map<String, List<String>> decisions = decisions(kafka, catalog);
      before.forEach(id -> assertEquals(List.of("ROUTED@" + start.version()), decisions.get(id), id));
      later.forEach(id -> assertEquals(List.of("PENDING_APPROVAL@" + v2), decisions.get(id), id));
      after.forEach(id -> assertEquals(1, decisions.get(id).size(), "decided once: " + decisions.get(id)));
      assertEquals(before.size() + after.size() + later.size(), decisions.size(), "nothing else was decided");
      assertTrue(app.isRunning(), "the same gate, never restarted");
    }
  }

  @Test
  void aDeploymentWithoutThePolicyTopicKeepsDecidingByItsFile() throws Exception {
    // Given a fabric whose topics predate the policy topic
    TopicCatalog catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("noreload") + ".", 3, List.of());
    KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
    try (Admin admin = Admin.create(kafka.clientConfig())) {
      admin.deleteTopics(List.of(catalog.policy.name())).all().get(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(30)).until(() -> !admin.listTopics().names().get().contains(catalog.policy.name()));
    }
    Policy file = io.fabric.policy.PolicyFile.parse(TIGHTER);

    // When the gate starts with its file
    try (StreamsApp app = PolicyApp.create(kafka, catalog, file, new NoApproverRegistry(), stateDir, Map.of()).startAndAwait(Duration.ofSeconds(60));
         FabricClient client = new FabricClient(kafka, catalog)) {
      String id = client.submit(Submission.of("acme", "summarize").payload("{\"text\":\"x\"}")).getRequestId();

      // Then it runs and decides by the file
      await().atMost(Duration.ofSeconds(60)).until(() -> decisions(kafka, catalog).containsKey(id));
      assertEquals(List.of("PENDING_APPROVAL@" + file.version()), decisions(kafka, catalog).get(id));
      assertTrue(app.isRunning());
    }
  }

  /** Each request's decisions on routed, pending and blocked, as {@code OUTCOME@VERSION}. */
  private static Map<String, List<String>> decisions(KafkaConnection kafka, TopicCatalog catalog) {
    Map<String, List<String>> decisions = new HashMap<>();
    LatestByKeyReader.everything(kafka, catalog.routed).forEach(t -> decisions.computeIfAbsent(t.getRequest().getRequestId(),
        k -> new ArrayList<>()).add("ROUTED@" + t.getDecision().getPolicyVersion()));
    LatestByKeyReader.everything(kafka, catalog.approvalPending).forEach(t -> decisions.computeIfAbsent(t.getRequest().getRequestId(),
        k -> new ArrayList<>()).add("PENDING_APPROVAL@" + t.getDecision().getPolicyVersion()));
    LatestByKeyReader.everything(kafka, catalog.blocked).forEach(t -> decisions.computeIfAbsent(t.getRequest().getRequestId(),
        k -> new ArrayList<>()).add("BLOCKED@" + t.getDecision().getPolicyVersion()));
    return decisions;
  }
}
