package io.fabric.policy.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.Submission;
import io.fabric.policy.ActionClass;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyApp;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.approvals.CanonicalPayload;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.policy.approvals.TokenStatement;
import java.security.Signature;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attacker with write access to the ingress and approvals topics and the published Avro contract,
 * using plain producers (explicit partitions included), against policy-stream on the real broker.
 * Every attack ends in exactly one outcome and leaves the request it aimed at as it was.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class GateAttackIntegrationTest {
  private static final KeyPair ALICE = ApproverKeys.newKeyPair();
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path stateDir;

  private TopicCatalog catalog;
  private KafkaConnection kafka;
  private final SignedTokenVerifier verifier =
      new SignedTokenVerifier(ApproverRegistry.of(new Approver("alice", ALICE.getPublic(), Set.of("*"), Set.of("*"))));
  private final TokenSigner alice = new TokenSigner("alice", ALICE.getPrivate());

  @BeforeEach
  void topics() {
    catalog = TopicCatalog.create(EmbeddedKafkaExtension.uniqueName("attack") + ".", 3, List.of());
    kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    TopicsApplier.apply(kafka, catalog);
  }

  private StreamsApp gate(Policy policy) {
    return PolicyApp.create(kafka, catalog, policy, verifier, stateDir, Map.of()).startAndAwait(WAIT);
  }

  private KafkaProducer<String, TaskRequest> rawRequests() {
    return new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(), catalog.ingress.valueSerde().serializer());
  }

  private KafkaProducer<String, ApprovalToken> rawTokens() {
    return new KafkaProducer<>(kafka.clientConfig(), new StringSerializer(), catalog.approvals.valueSerde().serializer());
  }

  private void send(KafkaProducer<String, TaskRequest> producer, TaskRequest request, Integer partition) throws Exception {
    producer.send(new ProducerRecord<>(catalog.ingress.name(), partition, IngressKey.of(request), request)).get();
  }

  private Optional<RequestStatus> status(String requestId) {
    return LatestByKeyReader.latest(kafka, catalog.requestStatus, requestId);
  }

  private RequestStatus awaitStatus(String requestId, String outcome) {
    await().atMost(WAIT).until(() -> status(requestId).map(s -> s.getOutcome().equals(outcome)).orElse(false));
    return status(requestId).orElseThrow();
  }

  private long auditCount(String type, String requestId) {
    return LatestByKeyReader.everything(kafka, catalog.audit).stream()
        .filter(e -> e.getType().equals(type) && requestId.equals(e.getRequestId())).count();
  }

  /** A genuinely signed token that names no flow, as a hand-made client could produce (TokenSigner never does). */
  private static ApprovalToken signedWithoutFlow(TaskRequest request) throws Exception {
    long now = System.currentTimeMillis();
    TokenStatement statement = new TokenStatement(request.getRequestId(), request.getTenantId(), "", request.getAction(),
        CanonicalPayload.sha256Of(request.getPayload()), "alice", "APPROVE", "any flow", now, now + 60_000, "nonce-" + now);
    Signature ed25519 = Signature.getInstance("Ed25519");
    ed25519.initSign(ALICE.getPrivate());
    ed25519.update(statement.toBytes());
    return statement.withSignature(ed25519.sign());
  }

  private static TaskRequest whatsapp(String tenant, String to) {
    return Submission.of(tenant, "send_whatsapp").payload("{\"to\":\"" + to + "\",\"text\":\"hi\"}").toRequest(System.currentTimeMillis());
  }

  @Test
  void forgedAttributesReusedIdsAndASecondPartitionEachEndInExactlyOneOutcome() throws Exception {
    try (StreamsApp app = gate(Policy.defaults()); KafkaProducer<String, TaskRequest> raw = rawRequests()) {
      TaskRequest rollback = TaskRequest.newBuilder(Submission.of("acme", "summarize").toRequest(0))
          .setAttributes(Map.of("fabric.rollback", "true")).build();
      send(raw, rollback, null);

      TaskRequest pending = whatsapp("acme", "+15550100");
      send(raw, pending, null);
      awaitStatus(pending.getRequestId(), "PENDING_APPROVAL");
      TaskRequest otherTenant = Submission.of("evil-co", "send_whatsapp").requestId(pending.getRequestId())
          .payload("{\"to\":\"+666\",\"text\":\"x\"}").idempotencyKey("evil-1").toRequest(0);
      TaskRequest sameTenant = Submission.of("acme", "send_whatsapp").requestId(pending.getRequestId())
          .payload("{\"to\":\"+666\",\"text\":\"x\"}").idempotencyKey("evil-2").toRequest(0);
      send(raw, otherTenant, null);
      send(raw, sameTenant, null);

      TaskRequest onZero = Submission.of("acme", "classify").idempotencyKey("order-77").toRequest(0);
      TaskRequest onOne = Submission.of("acme", "classify").idempotencyKey("order-77").toRequest(0);
      send(raw, onZero, 0);
      send(raw, onOne, 1);

      assertEquals("INVALID_REQUEST", awaitStatus(rollback.getRequestId(), "BLOCKED").getReason());
      await().atMost(WAIT).until(() -> auditCount("SECURITY_EVENT", pending.getRequestId()) == 2);
      await().atMost(WAIT).until(() -> status(onZero.getRequestId()).isPresent() && status(onOne.getRequestId()).isPresent());

      List<RoutedTask> routed = LatestByKeyReader.everything(kafka, catalog.routed);
      assertTrue(routed.stream().noneMatch(t -> t.getRequest().getRequestId().equals(rollback.getRequestId())));
      assertEquals(1, routed.stream().filter(t -> t.getRequest().getIdempotencyKey().equals("order-77")).count(),
          "one key written to two partitions runs once");
      List<String> outcomes = List.of(status(onZero.getRequestId()).orElseThrow().getOutcome(), status(onOne.getRequestId()).orElseThrow().getOutcome());
      assertTrue(outcomes.contains("ROUTED") && outcomes.contains("DUPLICATE"), outcomes.toString());

      assertEquals("PENDING_APPROVAL", status(pending.getRequestId()).orElseThrow().getOutcome());
      List<PendingApproval> parked = LatestByKeyReader.everything(kafka, catalog.approvalPending).stream()
          .filter(p -> p.getRequest().getRequestId().equals(pending.getRequestId())).toList();
      assertEquals(List.of(pending.getPayload()), parked.stream().map(p -> p.getRequest().getPayload()).toList(),
          "exactly one pending entry, with the first payload");
      assertTrue(app.isRunning());
    }
  }

  @Test
  void aRequestParkedUnderOnePolicyIsJudgedByTheNextAndLateOrFlowlessTokensReleaseNothing() throws Exception {
    TaskRequest tightened = whatsapp("acme", "+15550101");
    TaskRequest late = Submission.of("acme", "publish_content").payload("{\"post\":\"hello\"}").toRequest(System.currentTimeMillis());
    TaskRequest flowless = Submission.of("acme", "send_email").payload("{\"to\":\"a@example.com\"}").toRequest(System.currentTimeMillis());
    Policy shortDeadline = PolicyFile.builder().approvalDeadline("publish_content", Duration.ofSeconds(3)).build();
    try (StreamsApp app = gate(shortDeadline); KafkaProducer<String, TaskRequest> raw = rawRequests()) {
      for (TaskRequest r : List.of(tightened, late, flowless)) {
        send(raw, r, null);
        awaitStatus(r.getRequestId(), "PENDING_APPROVAL");
      }
    }
    // while the gate is down: the deadline passes, and approvals arrive
    long parkedBy = System.currentTimeMillis();
    await().atMost(WAIT).until(() -> System.currentTimeMillis() > parkedBy + 3_500);
    try (KafkaProducer<String, ApprovalToken> tokens = rawTokens()) {
      tokens.send(new ProducerRecord<>(catalog.approvals.name(), late.getFlowId(), alice.approve(late, "late"))).get();
      tokens.send(new ProducerRecord<>(catalog.approvals.name(), tightened.getFlowId(), alice.approve(tightened, "ok"))).get();
      ApprovalToken noFlow = signedWithoutFlow(flowless);
      for (int partition = 0; partition < 2; partition++) {
        tokens.send(new ProducerRecord<>(catalog.approvals.name(), partition, flowless.getFlowId(), noFlow)).get();
      }
    }
    Policy forbidsWhatsapp = PolicyFile.builder().approvalDeadline("publish_content", Duration.ofSeconds(3))
        .addAction(ActionClass.C, "send_whatsapp").build();
    try (StreamsApp app = gate(forbidsWhatsapp)) {
      assertEquals("APPROVAL_EXPIRED", awaitStatus(late.getRequestId(), "BLOCKED").getReason());
      assertEquals("FORBIDDEN", awaitStatus(tightened.getRequestId(), "BLOCKED").getReason());
      await().atMost(WAIT).until(() -> auditCount("TOKEN_REJECTED", flowless.getRequestId()) == 2);
      assertEquals("PENDING_APPROVAL", status(flowless.getRequestId()).orElseThrow().getOutcome(), "a flow-less token releases nothing, on any partition");
      assertTrue(LatestByKeyReader.everything(kafka, catalog.routed).isEmpty(), "nothing was released");
      List<AuditEvent> violations = LatestByKeyReader.everything(kafka, catalog.audit).stream()
          .filter(e -> e.getType().equals("POLICY_VIOLATION")).toList();
      assertEquals(1, violations.size(), violations.toString());
    }
  }
}
