package io.fabric.policy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.policy.NoApproverRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyApp;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A mixed batch on the real broker under exactly_once_v2: every request ends in exactly one place
 * with the right reason, poison bytes go to the DLQ, and the app keeps running.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class PolicyStreamIntegrationTest {
  @TempDir
  Path stateDir;

  @Test
  void aMixedBatchEndsInExactlyOnePlaceEach() throws Exception {
    TopicCatalog catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("policy") + ".", 3, List.of());
    KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
    Map<String, String> expected = new HashMap<>();
    try (StreamsApp app = PolicyApp.create(kafka, catalog, Policy.defaults(), new NoApproverRegistry(), stateDir, Map.of()).startAndAwait(Duration.ofSeconds(60));
         FabricClient client = new FabricClient(kafka, catalog);
         KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      TaskRequest first = null;
      for (int i = 0; i < 10; i++) {
        TaskRequest a = client.submit(Submission.of("acme", "summarize").payload("{\"text\":\"n" + i + "\"}"));
        first = first == null ? a : first;
        expected.put(a.getRequestId(), "ROUTED");
        expected.put(client.submit(Submission.of("acme", "send_whatsapp").payload("{}")).getRequestId(), "PENDING_APPROVAL");
        expected.put(client.submit(Submission.of("acme", "exfiltrate_secrets")).getRequestId(), "BLOCKED/FORBIDDEN");
        expected.put(client.submit(Submission.of("acme", "launch_rocket")).getRequestId(), "PENDING_APPROVAL");
        expected.put(client.submit(Submission.of("acme", "tag").payload("[1,2]")).getRequestId(), "BLOCKED/INVALID_REQUEST");
        expected.put(client.submit(Submission.of("acme", "send_email").approvalToken("forged")).getRequestId(), "BLOCKED/INVALID_TOKEN");
      }
      // Two new flows with one idempotency key: they start on different ingress partitions, so either may reach the gate first.
      TaskRequest one = client.submit(Submission.of("acme", "classify").idempotencyKey("order-1"));
      TaskRequest two = client.submit(Submission.of("acme", "classify").idempotencyKey("order-1"));
      expected.put(client.submit(Submission.of("globex", "summarize").flowId(first.getFlowId())).getRequestId(), "BLOCKED/TENANT_MISMATCH");
      byte[] validBytes = AvroSerde.of(TaskRequest.class).serialize("t", Submission.of("acme", "tag").toRequest(0));
      List<byte[]> poison = List.of(new byte[] {1, 2, 3}, Arrays.copyOf(validBytes, validBytes.length / 2), "{\"json\":true}".getBytes(StandardCharsets.UTF_8));
      for (int i = 0; i < poison.size(); i++) {
        raw.send(new ProducerRecord<>(catalog.ingress.name(), ("poison-" + i).getBytes(StandardCharsets.UTF_8), poison.get(i))).get();
      }
      TaskRequest after = client.submit(Submission.of("acme", "plan"));
      expected.put(after.getRequestId(), "ROUTED");

      // Every request's status, and the three dead letters, before the single read below: `after` being decided says
      // nothing of the other partitions (a task with fewer records buffered can commit while another still has some)
      Set<String> decided = new HashSet<>(expected.keySet());
      decided.addAll(List.of(one.getRequestId(), two.getRequestId()));
      await().atMost(Duration.ofSeconds(90)).until(() -> LatestByKeyReader.everything(kafka, catalog.requestStatus).stream()
          .map(RequestStatus::getRequestId).collect(Collectors.toSet()).containsAll(decided)
          && LatestByKeyReader.everything(kafka, catalog.dlq).size() >= 3);
      List<RoutedTask> routed = LatestByKeyReader.everything(kafka, catalog.routed);
      List<BlockedTask> blocked = LatestByKeyReader.everything(kafka, catalog.blocked);
      List<PendingApproval> pending = LatestByKeyReader.everything(kafka, catalog.approvalPending);
      Map<String, List<String>> places = new HashMap<>();
      routed.forEach(t -> places.computeIfAbsent(t.getRequest().getRequestId(), k -> new ArrayList<>()).add("ROUTED"));
      blocked.forEach(t -> places.computeIfAbsent(t.getRequest().getRequestId(), k -> new ArrayList<>()).add("BLOCKED/" + t.getReason()));
      pending.forEach(t -> places.computeIfAbsent(t.getRequest().getRequestId(), k -> new ArrayList<>()).add("PENDING_APPROVAL"));
      Map<String, RequestStatus> statuses = new HashMap<>();
      LatestByKeyReader.everything(kafka, catalog.requestStatus).forEach(s -> statuses.put(s.getRequestId(), s));

      expected.forEach((id, where) -> assertEquals(List.of(where), places.get(id), "request " + id));
      TaskRequest winner = places.containsKey(one.getRequestId()) ? one : two;
      TaskRequest duplicate = winner == one ? two : one;
      assertEquals(List.of("ROUTED"), places.get(winner.getRequestId()));
      assertTrue(!places.containsKey(duplicate.getRequestId()), "a duplicate goes nowhere: " + places.get(duplicate.getRequestId()));
      assertEquals("DUPLICATE", statuses.get(duplicate.getRequestId()).getOutcome());
      assertEquals(winner.getRequestId(), statuses.get(duplicate.getRequestId()).getDuplicateOf());
      assertEquals(expected.size() + 1, places.size(), "nothing else came out");

      List<DeadLetter> letters = LatestByKeyReader.everything(kafka, catalog.dlq);
      assertEquals(3, letters.size(), letters.toString());
      for (int i = 0; i < poison.size(); i++) {
        String key = "poison-" + i;
        DeadLetter letter = letters.stream().filter(l -> key.equals(new String(l.getOriginalKey().array(), StandardCharsets.UTF_8))).findFirst().orElseThrow();
        assertEquals("UNDECODABLE", letter.getReason());
        assertArrayEquals(poison.get(i), Arrays.copyOfRange(letter.getOriginalValue().array(), 0, letter.getOriginalValue().remaining()));
      }
      List<String> deadLetterAudits = LatestByKeyReader.everything(kafka, catalog.audit).stream()
          .filter(e -> e.getType().equals(io.fabric.schemas.records.AuditEvents.DEAD_LETTER)).map(e -> e.getDetail()).toList();
      for (DeadLetter letter : letters) {
        assertEquals(1, deadLetterAudits.stream().filter(d -> d.contains(letter.getId())).count(), "one DEAD_LETTER audit per dead letter: " + deadLetterAudits);
      }
      assertTrue(app.isRunning(), "the gate is still running");
    }
  }
}
