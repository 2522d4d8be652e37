package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.approvals.TokenCodec;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gate with real Ed25519 tokens: every kind of bad token leaves the request pending and is
 * audited with its reason; only a valid one releases it.
 */
class SignedApprovalsTopologyTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final KeyPair ALICE = ApproverKeys.newKeyPair();
  private static final KeyPair BOB = ApproverKeys.newKeyPair();
  private static final KeyPair MALLORY = ApproverKeys.newKeyPair();

  private final TopicCatalog catalog = TopicCatalog.defaults();
  private final TokenSigner alice = signer("alice", ALICE, NOW);

  @TempDir
  Path stateDir;

  private TopologyTestDriver driver;
  private TestInputTopic<String, TaskRequest> ingress;
  private TestInputTopic<String, ApprovalToken> approvals;

  @BeforeEach
  void start() {
    ApproverRegistry registry = ApproverRegistry.of(
        new Approver("alice", ALICE.getPublic(), Set.of("*"), Set.of("*")),
        new Approver("bob", BOB.getPublic(), Set.of("send_email"), Set.of("acme")));
    Properties props = FabricStreamsConfig.forApp(KafkaConnection.of("dummy:9092"), catalog, "signed-test", "policy-stream", stateDir, Map.of());
    PolicyGate gate = new PolicyGate(PolicyFile.builder().quorum("create_charge", 2).build(), new SignedTokenVerifier(registry));
    driver = new TopologyTestDriver(PolicyTopology.build(catalog, gate, Duration.ofSeconds(10), props), props, NOW);
    ingress = driver.createInputTopic(catalog.ingress.name(), catalog.ingress.keySerde().serializer(), catalog.ingress.valueSerde().serializer());
    approvals = driver.createInputTopic(catalog.approvals.name(), catalog.approvals.keySerde().serializer(), catalog.approvals.valueSerde().serializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  private static TokenSigner signer(String name, KeyPair keys, Instant at) {
    return new TokenSigner(name, keys.getPrivate(), Clock.fixed(at, ZoneOffset.UTC), Duration.ofHours(1));
  }

  private <V> TestOutputTopic<String, V> output(TopicSpec<String, V> topic) {
    return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }

  private TaskRequest pending(String tenant, String action, String payload) {
    TaskRequest request = Submission.of(tenant, action).payload(payload).toRequest(NOW.toEpochMilli());
    ingress.pipeInput(request.getFlowId(), request, NOW);
    return request;
  }

  private void publish(ApprovalToken token) {
    approvals.pipeInput(token.getFlowId(), token, NOW);
  }

  private String lastTokenRejection() {
    List<AuditEvent> events = output(catalog.audit).readValuesToList();
    assertTrue(!events.isEmpty() && events.get(events.size() - 1).getType().equals("TOKEN_REJECTED"), events.toString());
    return events.get(events.size() - 1).getDetail();
  }

  @Test
  void everyBadTokenIsRejectedAuditedAndLeavesTheRequestPending() {
    TaskRequest request = pending("acme", "send_email", "{\"to\":\"a@example.com\"}");
    TaskRequest other = pending("acme", "send_email", "{\"to\":\"b@example.com\"}");

    ApprovalToken good = alice.approve(request, "ok");
    ApprovalToken tampered = ApprovalToken.newBuilder(good).setReason("changed after signing").build();
    publish(tampered);
    assertTrue(lastTokenRejection().contains("bad signature"));

    publish(signer("mallory", MALLORY, NOW).approve(request, "me"));
    assertTrue(lastTokenRejection().contains("unknown approver mallory"));

    TaskRequest globex = pending("globex", "send_email", "{}");
    publish(signer("bob", BOB, NOW).approve(globex, "out of scope"));
    assertTrue(lastTokenRejection().contains("may not approve for tenant globex"));

    publish(signer("alice", ALICE, NOW.minus(Duration.ofHours(2))).approve(request, "old"));
    assertTrue(lastTokenRejection().contains("expired"));

    publish(ApprovalToken.newBuilder(alice.approve(other, "ok")).setFlowId(request.getFlowId()).build());
    assertTrue(lastTokenRejection().contains("bad signature") || lastTokenRejection().contains("is for request"));

    TaskRequest samePayloadOtherText = Submission.of("acme", "send_email").requestId(request.getRequestId()).flowId(request.getFlowId())
        .payload("{\"to\":\"attacker@example.com\"}").toRequest(0);
    publish(alice.approve(samePayloadOtherText, "ok"));
    assertTrue(lastTokenRejection().contains("payload hash differs"));

    assertTrue(output(catalog.routed).isEmpty(), "no bad token released anything");
    assertTrue(output(catalog.blocked).isEmpty(), "bad tokens do not block the request either");

    publish(good);
    assertEquals(request.getRequestId(), output(catalog.routed).readValue().getRequest().getRequestId());
    publish(alice.approve(other, "ok"));
    output(catalog.routed).readValue();

    publish(good);
    assertTrue(lastTokenRejection().contains("no pending request"), "a token works once");
  }

  @Test
  void anAttachedTokenCannotBeReusedUnderItsRequestIdWithAnotherKey() {
    TaskRequest first = Submission.of("acme", "send_email").payload("{}").toRequest(0);
    ApprovalToken token = alice.approve(first, "ok");
    first.setApprovalToken(TokenCodec.encode(token));
    ingress.pipeInput(first.getFlowId(), first, NOW);
    TaskRequest again = TaskRequest.newBuilder(first).setIdempotencyKey("another-key").build();
    ingress.pipeInput(again.getFlowId(), again, NOW);

    assertEquals(1, output(catalog.routed).readValuesToList().size());
    assertTrue(output(catalog.blocked).isEmpty());
    List<AuditEvent> events = output(catalog.audit).readValuesToList();
    assertTrue(events.stream().anyMatch(e -> e.getType().equals("SECURITY_EVENT") && e.getDetail().contains("already taken")), events.toString());
  }

  @Test
  void aClassCActionIsNeverReleasedWhateverTheToken() {
    TaskRequest forbidden = Submission.of("acme", "bypass_auth").payload("{}").toRequest(0);
    forbidden.setApprovalToken(TokenCodec.encode(alice.approve(forbidden, "please")));
    ingress.pipeInput(forbidden.getFlowId(), forbidden, NOW);
    publish(alice.approve(forbidden, "please, again"));

    assertEquals("FORBIDDEN", output(catalog.blocked).readValue().getReason());
    assertTrue(output(catalog.routed).isEmpty());
  }

  @Test
  void theSameApproverCountsOnceTowardAQuorum() {
    TaskRequest charge = pending("acme", "create_charge", "{\"amount\":100}");
    publish(alice.approve(charge, "one"));
    publish(alice.approve(charge, "one again"));

    assertTrue(lastTokenRejection().contains("alice"));
    assertTrue(output(catalog.routed).isEmpty());
  }
}
