package io.fabric.policy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.policy.NoApproverRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyApp;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a submitter registry, on the real broker: a raw producer without a key gets nothing routed; a
 * signed submitter does; a signed replay runs once, whichever partitions its copies are re-sent to.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class SignedRequestsIntegrationTest {
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final KeyPair REPLAYER = ApproverKeys.newKeyPair();
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path stateDir;

  @Test
  void aRawProducerWithoutAKeyGetsNothingRoutedAndASignedSubmitterDoes() throws Exception {
    TopicCatalog catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("signed") + ".", 3, List.of());
    KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
    SubmitterVerifier submitters = new SubmitterVerifier(ApproverRegistry.of(
        new Approver("billing-agent", AGENT.getPublic(), Set.of("*"), Set.of("acme")),
        new Approver("dlq-replayer", REPLAYER.getPublic(), Set.of(ReservedNames.REPLAY_SCOPE, "*"), Set.of("*"))));
    try (StreamsApp app = PolicyApp.create(kafka, catalog, Policy.defaults(), new NoApproverRegistry(), submitters, stateDir, Map.of())
             .startAndAwait(WAIT);
         KafkaProducer<String, TaskRequest> raw = new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(),
             catalog.ingress.valueSerde().serializer());
         FabricClient signed = new FabricClient(kafka, catalog).signedBy(new RequestSigner("billing-agent", AGENT.getPrivate()))) {
      TaskRequest unsigned = Submission.of("acme", "summarize").toRequest(System.currentTimeMillis());
      TaskRequest impostor = TaskRequest.newBuilder(Submission.of("acme", "summarize").toRequest(System.currentTimeMillis()))
          .setSubmitter("billing-agent").setSubmitterSignature(java.nio.ByteBuffer.wrap(new byte[64])).build();
      for (TaskRequest r : List.of(unsigned, impostor)) {
        raw.send(new ProducerRecord<>(catalog.ingress.name(), IngressKey.of(r), r)).get();
      }
      TaskRequest good = signed.submit(Submission.of("acme", "summarize").payload("{\"text\":\"signed\"}"));
      TaskRequest otherTenant = signed.submit(Submission.of("globex", "summarize"));

      Map<String, String> outcomes = new java.util.HashMap<>();
      for (TaskRequest r : List.of(unsigned, impostor, good, otherTenant)) {
        String name = r == unsigned ? "unsigned" : r == impostor ? "impostor" : r == good ? "good" : "other-tenant";
        outcomes.put(name, await().atMost(WAIT).until(() -> outcomeOf(kafka, catalog, r), Optional::isPresent).get());
      }
      // an unauthenticated record is refused on fabric.tasks.blocked without writing the status of the id it names
      assertEquals(Map.of("unsigned", "blocked BLOCKED/UNAUTHENTICATED", "impostor", "blocked BLOCKED/UNAUTHENTICATED",
          "good", "status ROUTED", "other-tenant", "status BLOCKED/UNAUTHORIZED"), outcomes);

      // a replay from the raw producer is refused; the replayer's re-signed replay of the same request runs again
      ReplayLineage lineage = ReplayLineage.newBuilder().setDeadLetterId("dl-1").setGeneration(1).setReplayedAt(System.currentTimeMillis())
          .setReplayedBy("ops").setOriginalSubmitter("billing-agent").build();
      TaskRequest forgedReplay = TaskRequest.newBuilder(good).setReplay(lineage).build();
      raw.send(new ProducerRecord<>(catalog.replays.name(), IngressKey.of(forgedReplay), forgedReplay)).get();
      TaskRequest replay = new RequestSigner("dlq-replayer", REPLAYER.getPrivate()).sign(TaskRequest.newBuilder(good).setReplay(
          ReplayLineage.newBuilder(lineage).setDeadLetterId("dl-2").build()).build());
      raw.send(new ProducerRecord<>(catalog.replays.name(), IngressKey.of(replay), replay)).get();
      await().atMost(WAIT).until(() -> LatestByKeyReader.everything(kafka, catalog.audit).stream()
          .anyMatch(e -> e.getDetail().contains("UNAUTHENTICATED") && good.getRequestId().equals(e.getRequestId())));

      await().atMost(WAIT).until(() -> LatestByKeyReader.everything(kafka, catalog.routed).size() >= 2);

      // the replay captured and re-sent to every partition under other keys: each copy is refused, none runs
      for (int partition = 0; partition < catalog.partitions(); partition++) {
        raw.send(new ProducerRecord<>(catalog.replays.name(), partition, "copy-" + partition, replay)).get();
      }
      List<BlockedTask> copies = await().atMost(WAIT).until(() -> LatestByKeyReader.all(kafka, catalog.blocked, good.getFlowId(),
          b -> b.getDetail().startsWith("reused replay")), c -> c.size() >= catalog.partitions());
      assertEquals(catalog.partitions(), copies.size());
      assertTrue(copies.stream().allMatch(c -> c.getReason().equals("UNAUTHENTICATED")), copies.toString());

      List<RoutedTask> routed = LatestByKeyReader.everything(kafka, catalog.routed);
      assertEquals(List.of(good.getRequestId(), good.getRequestId()), routed.stream().map(t -> t.getRequest().getRequestId()).toList());
      assertEquals(List.of("billing-agent", "dlq-replayer"), routed.stream().map(t -> t.getRequest().getSubmitter()).toList());
      assertEquals("billing-agent", routed.get(1).getRequest().getReplay().getOriginalSubmitter());
      assertTrue(app.isRunning());
    }
  }

  /** The request's status, or, for a record refused without one, its entry on the blocked topic. */
  private static Optional<String> outcomeOf(KafkaConnection kafka, TopicCatalog catalog, TaskRequest request) {
    Optional<RequestStatus> status = LatestByKeyReader.latest(kafka, catalog.requestStatus, request.getRequestId());
    if (status.isPresent()) {
      return Optional.of("status " + status.get().getOutcome() + (status.get().getReason() == null ? "" : "/" + status.get().getReason()));
    }
    return LatestByKeyReader.all(kafka, catalog.blocked, request.getFlowId(), b -> b.getRequest().getRequestId().equals(request.getRequestId()))
        .stream().findFirst().map(b -> "blocked BLOCKED/" + b.getReason());
  }
}
