package io.fabric.policy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

/** With a submitter registry, on the real broker: a raw producer without a key gets nothing routed; a signed submitter does. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class SignedRequestsIntegrationTest {
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path stateDir;

  @Test
  void aRawProducerWithoutAKeyGetsNothingRoutedAndASignedSubmitterDoes() throws Exception {
    TopicCatalog catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("signed") + ".", 3, List.of());
    KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
    SubmitterVerifier submitters = new SubmitterVerifier(ApproverRegistry.of(
        new Approver("billing-agent", AGENT.getPublic(), Set.of("*"), Set.of("acme"))));
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

      for (TaskRequest r : List.of(unsigned, impostor, good, otherTenant)) {
        await().atMost(WAIT).until(() -> LatestByKeyReader.latest(kafka, catalog.requestStatus, r.getRequestId()).isPresent());
      }
      Map<String, String> outcomes = new java.util.HashMap<>();
      for (TaskRequest r : List.of(unsigned, impostor, good, otherTenant)) {
        Optional<RequestStatus> s = LatestByKeyReader.latest(kafka, catalog.requestStatus, r.getRequestId());
        outcomes.put(r == unsigned ? "unsigned" : r == impostor ? "impostor" : r == good ? "good" : "other-tenant",
            s.get().getOutcome() + (s.get().getReason() == null ? "" : "/" + s.get().getReason()));
      }
      assertEquals(Map.of("unsigned", "BLOCKED/UNAUTHENTICATED", "impostor", "BLOCKED/UNAUTHENTICATED", "good", "ROUTED",
          "other-tenant", "BLOCKED/UNAUTHORIZED"), outcomes);
      List<RoutedTask> routed = LatestByKeyReader.everything(kafka, catalog.routed);
      assertEquals(List.of(good.getRequestId()), routed.stream().map(t -> t.getRequest().getRequestId()).toList());
      assertEquals("billing-agent", routed.get(0).getRequest().getSubmitter());
      assertTrue(app.isRunning());
    }
  }
}
