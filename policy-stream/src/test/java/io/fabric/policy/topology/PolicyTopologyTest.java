package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.policy.ActionClass;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyTopologyTest {
  private static final Instant START = Instant.parse("2026-11-25T10:00:00Z");
  private final TopicCatalog catalog = TopicCatalog.defaults();

  @TempDir
  Path stateDir;

  private GateDriver gate;
  private TopologyTestDriver driver;
  private TestInputTopic<String, TaskRequest> ingress;
  private TestInputTopic<String, ApprovalToken> approvals;
  private TestOutputTopic<String, RoutedTask> routed;
  private TestOutputTopic<String, BlockedTask> blocked;
  private TestOutputTopic<String, PendingApproval> pending;
  private TestOutputTopic<String, RequestStatus> status;
  private TestOutputTopic<String, AuditEvent> audit;

  @BeforeEach
  void start() {
    open(PolicyFile.builder().canaryTenant("beta-co").tightenForTenant("strict-co", ActionClass.B, "summarize")
        .defaultApprovalDeadline(Duration.ofMinutes(10)).duplicateWindow(Duration.ofHours(1)).maxPayloadBytes(200).build());
  }

  private void open(Policy policy) {
    if (gate != null) {
      gate.close();
    }
    gate = new GateDriver(new PolicyGate(policy, new FakeTokens()), Duration.ofSeconds(10), stateDir, START);
    driver = gate.driver;
    ingress = gate.ingress;
    approvals = gate.approvals;
    routed = gate.routed;
    blocked = gate.blocked;
    pending = gate.pending;
    status = gate.status;
    audit = gate.audit;
  }

  private Properties props() {
    return FabricStreamsConfig.forApp(KafkaConnection.of("dummy:9092"), catalog, "policy-test", "policy-stream", stateDir, Map.of());
  }


  @AfterEach
  void close() {
    driver.close();
  }

  /** Keyed as FabricClient keys requests. */
  private TaskRequest submit(TaskRequest request, Instant at) {
    ingress.pipeInput(IngressKey.of(request), request, at);
    return request;
  }

  private static TaskRequest request(String tenant, String action) {
    return Submission.of(tenant, action).payload("{\"text\":\"hi\"}").toRequest(START.toEpochMilli());
  }

  private Map<String, RequestStatus> statuses() {
    return status.readKeyValuesToMap();
  }

  @Test
  void classARequestIsRoutedWithItsDecision() {
    TaskRequest request = submit(request("acme", "summarize"), START);

    org.apache.kafka.streams.test.TestRecord<String, RoutedTask> record = routed.readRecord();
    assertEquals(request.getTraceparent(), io.fabric.schemas.records.TraceContext.get(record.headers()), "the trace context travels on every hop");
    RoutedTask task = record.value();
    assertEquals(request, task.getRequest());
    assertEquals("A", task.getDecision().getActionClass());
    assertEquals("default:class-a", task.getDecision().getRule());
    assertEquals(PolicyFile.builder().canaryTenant("beta-co").tightenForTenant("strict-co", ActionClass.B, "summarize")
        .defaultApprovalDeadline(Duration.ofMinutes(10)).duplicateWindow(Duration.ofHours(1)).maxPayloadBytes(200).build().version(),
        task.getDecision().getPolicyVersion());
    RequestStatus s = statuses().get(request.getRequestId());
    assertEquals("ROUTED", s.getOutcome());
    assertEquals("A", s.getActionClass());
    assertTrue(blocked.isEmpty() && pending.isEmpty());
  }

  @Test
  void aRequestThatNeverWaitedWritesNothingToThePendingApprovalsChangelog() {
    submit(request("acme", "summarize"), START);
    submit(request("acme", "exfiltrate_secrets"), START);

    assertEquals(2, statuses().size(), "one routed, one blocked");
    // a tombstone for a key that was never there restores nothing: one changelog record per request for no guarantee
    java.util.List<String> changelog = driver.producedTopicNames().stream()
        .filter(t -> t.endsWith(PolicyTopology.PENDING_STORE + "-changelog")).toList();
    for (String topic : changelog) {
      assertTrue(driver.createOutputTopic(topic, new org.apache.kafka.common.serialization.StringDeserializer(),
          new org.apache.kafka.common.serialization.ByteArrayDeserializer()).isEmpty(), topic);
    }
  }

  @Test
  void classBWithoutTokenWaitsForApproval() {
    TaskRequest request = submit(request("acme", "send_whatsapp"), START);

    PendingApproval waiting = pending.readValue();
    assertEquals(request.getRequestId(), waiting.getRequest().getRequestId());
    assertEquals(START.plus(Duration.ofMinutes(10)).toEpochMilli(), waiting.getDeadline());
    assertEquals("PENDING_APPROVAL", statuses().get(request.getRequestId()).getOutcome());
    assertTrue(routed.isEmpty());
  }

  @Test
  void unknownActionIsClassB() {
    TaskRequest request = submit(request("acme", "launch_rocket"), START);

    assertEquals("default:unknown-action", pending.readValue().getDecision().getRule());
    assertEquals("B", statuses().get(request.getRequestId()).getActionClass());
  }

  @Test
  void classCIsBlockedEvenWithAValidTokenAndAudited() {
    TaskRequest plain = request("acme", "exfiltrate_secrets");
    TaskRequest withToken = TaskRequest.newBuilder(request("acme", "bypass_auth")).build();
    withToken.setApprovalToken(FakeTokens.token("alice", "n1", "APPROVE", withToken.getRequestId()));
    submit(plain, START);
    submit(withToken, START);

    List<BlockedTask> blocks = blocked.readValuesToList();
    assertEquals(2, blocks.size());
    blocks.forEach(b -> assertEquals("FORBIDDEN", b.getReason()));
    List<AuditEvent> events = audit.readValuesToList();
    assertEquals(2, events.stream().filter(e -> e.getType().equals("POLICY_VIOLATION")).count());
    assertTrue(routed.isEmpty());
  }

  @Test
  void invalidRequestsAreBlockedWithADetailAPersonCanActOn() {
    TaskRequest notJson = Submission.of("acme", "summarize").payload("{oops").toRequest(0);
    TaskRequest noTenant = TaskRequest.newBuilder(Submission.of("acme", "summarize").toRequest(0)).setTenantId("").build();
    TaskRequest tooBig = Submission.of("acme", "summarize").payload("{\"text\":\"" + "x".repeat(300) + "\"}").toRequest(0);
    List.of(notJson, noTenant, tooBig).forEach(r -> submit(r, START));

    Map<String, RequestStatus> statuses = statuses();
    assertTrue(statuses.get(notJson.getRequestId()).getDetail().startsWith("payload is not valid JSON"));
    assertTrue(statuses.get(noTenant.getRequestId()).getDetail().startsWith("tenant_id is missing"));
    assertTrue(statuses.get(tooBig.getRequestId()).getDetail().contains("over the limit of 200 bytes"));
    statuses.values().forEach(s -> assertEquals("INVALID_REQUEST", s.getReason()));
    assertEquals(3, blocked.readValuesToList().size());
  }

  @Test
  void undecodableBytesDoNotStopTheGate() {
    // The DLQ record itself is asserted on the real broker (PolicyStreamIntegrationTest): TopologyTestDriver
    // does not capture records a deserialization handler returns.
    TestInputTopic<byte[], byte[]> raw = driver.createInputTopic(catalog.ingress.name(), new ByteArraySerializer(), new ByteArraySerializer());
    byte[] garbage = {1, 2, 3, 4};
    raw.pipeInput("flow-x".getBytes(), garbage);
    TaskRequest after = submit(request("acme", "tag"), START);

    assertEquals(after.getRequestId(), routed.readValue().getRequest().getRequestId());
  }

  @Test
  void anotherTenantNamingAFlowIsBlockedAndASecurityEventIsAudited() {
    TaskRequest first = submit(request("acme", "summarize"), START);
    TaskRequest intruder = Submission.of("evil-co", "summarize").flowId(first.getFlowId()).toRequest(0);
    submit(intruder, START);

    assertEquals(1, routed.readValuesToList().size());
    BlockedTask block = blocked.readValue();
    assertEquals("TENANT_MISMATCH", block.getReason());
    assertEquals(intruder.getRequestId(), block.getRequest().getRequestId());
    assertTrue(audit.readValuesToList().stream().anyMatch(e -> e.getType().equals("SECURITY_EVENT") && e.getTenantId().equals("evil-co")));
  }

  @Test
  void aDuplicateInsideTheWindowIsNeverRoutedAgainButOneOutsideIs() {
    TaskRequest first = submit(Submission.of("acme", "summarize").idempotencyKey("k1").toRequest(0), START);
    driver.advanceWallClockTime(Duration.ofMinutes(30));
    // the producer's timestamp does not count: the window is measured on the gate's clock
    TaskRequest again = submit(Submission.of("acme", "summarize").idempotencyKey("k1").toRequest(0), START.plus(Duration.ofDays(3)));
    driver.advanceWallClockTime(Duration.ofMinutes(90));
    TaskRequest later = submit(Submission.of("acme", "summarize").idempotencyKey("k1").toRequest(0), START);
    TaskRequest otherTenant = submit(Submission.of("globex", "summarize").idempotencyKey("k1").toRequest(0), START);

    List<String> routedIds = routed.readValuesToList().stream().map(t -> t.getRequest().getRequestId()).toList();
    assertEquals(List.of(first.getRequestId(), later.getRequestId(), otherTenant.getRequestId()).stream().sorted().toList(),
        routedIds.stream().sorted().toList());
    RequestStatus duplicate = statuses().get(again.getRequestId());
    assertEquals("DUPLICATE", duplicate.getOutcome());
    assertEquals(first.getRequestId(), duplicate.getDuplicateOf());
  }

  @Test
  void requestsKeyedByFlowIdAsFromARawProducerAreDeduplicatedWithTheOthers() {
    TaskRequest raw = Submission.of("acme", "summarize").idempotencyKey("k2").toRequest(0);
    ingress.pipeInput(raw.getFlowId(), raw, START);
    TaskRequest client = submit(Submission.of("acme", "summarize").idempotencyKey("k2").toRequest(0), START.plusSeconds(1));
    TaskRequest unkeyed = Submission.of("acme", "summarize").idempotencyKey("k2").toRequest(0);
    ingress.pipeInput(null, unkeyed, START.plusSeconds(2));

    assertEquals(List.of(raw.getRequestId()), routed.readValuesToList().stream().map(t -> t.getRequest().getRequestId()).toList());
    Map<String, RequestStatus> statuses = statuses();
    assertEquals("DUPLICATE", statuses.get(client.getRequestId()).getOutcome());
    assertEquals("DUPLICATE", statuses.get(unkeyed.getRequestId()).getOutcome());
  }

  @Test
  void aResentRequestIdIsDroppedButADlqReplayOfItIsCheckedAgain() {
    TaskRequest first = submit(request("acme", "summarize"), START);
    routed.readValuesToList();
    status.readKeyValuesToMap();

    submit(TaskRequest.newBuilder(first).build(), START.plusSeconds(5));
    driver.advanceWallClockTime(Duration.ofHours(2));
    submit(TaskRequest.newBuilder(first).build(), START.plusSeconds(5));
    assertTrue(routed.isEmpty() && status.isEmpty(), "a plain resend changes nothing, its status included, inside the window or not");

    TaskRequest replay = TaskRequest.newBuilder(first).setReplay(io.fabric.contracts.ReplayLineage.newBuilder()
        .setDeadLetterId("dlq-1").setGeneration(1).setReplayedAt(0).setReplayedBy("ops").build()).build();
    driver.createInputTopic(catalog.replays.name(), catalog.replays.keySerde().serializer(), catalog.replays.valueSerde().serializer())
        .pipeInput(IngressKey.of(replay), replay, START.plusSeconds(10));
    assertEquals(first.getRequestId(), routed.readValue().getRequest().getRequestId());
  }

  @Test
  void canaryTenantsAreMarkedOnTheRoutedRecord() {
    submit(request("beta-co", "summarize"), START);
    submit(request("acme", "summarize"), START);

    Map<String, Boolean> canary = new java.util.HashMap<>();
    routed.readValuesToList().forEach(t -> canary.put(t.getRequest().getTenantId(), t.getDecision().getCanary()));
    assertEquals(Map.of("beta-co", true, "acme", false), canary);
  }

  @Test
  void perTenantTighteningTurnsClassAIntoB() {
    TaskRequest request = submit(request("strict-co", "summarize"), START);

    assertEquals("tenant:strict-co:class-b", pending.readValue().getDecision().getRule());
    assertEquals("PENDING_APPROVAL", statuses().get(request.getRequestId()).getOutcome());
  }

  @Test
  void attachedTokensAreVerified() {
    TaskRequest good = request("acme", "create_charge");
    good.setApprovalToken(FakeTokens.token("alice", "n-good", "APPROVE", good.getRequestId()));
    TaskRequest forged = request("acme", "create_charge");
    forged.setApprovalToken(FakeTokens.token("mallory", "n-bad", "APPROVE", forged.getRequestId()));
    TaskRequest replayed = request("acme", "create_charge");
    replayed.setApprovalToken(FakeTokens.token("alice", "n-good", "APPROVE", replayed.getRequestId()));
    List.of(good, forged, replayed).forEach(r -> submit(r, START));

    RoutedTask task = routed.readValue();
    assertEquals(good.getRequestId(), task.getRequest().getRequestId());
    assertEquals("alice", task.getApprovals().get(0).getApprover());
    Map<String, RequestStatus> statuses = statuses();
    assertEquals("INVALID_TOKEN", statuses.get(forged.getRequestId()).getReason());
    assertTrue(statuses.get(replayed.getRequestId()).getDetail().contains("already used"), statuses.get(replayed.getRequestId()).getDetail());
  }

  @Test
  void aPublishedTokenReleasesThePendingRequestAndARejectBlocksIt() {
    TaskRequest one = submit(request("acme", "send_email"), START);
    TaskRequest two = submit(request("acme", "send_email"), START);
    approvals.pipeInput(one.getFlowId(), FakeTokens.parse(FakeTokens.token("alice", "n1", "APPROVE", one.getRequestId()), one.getFlowId()));
    approvals.pipeInput(two.getFlowId(), FakeTokens.parse(FakeTokens.token("bob", "n2", "REJECT", two.getRequestId()), two.getFlowId()));

    assertEquals(one.getRequestId(), routed.readValue().getRequest().getRequestId());
    assertEquals("APPROVAL_REJECTED", blocked.readValue().getReason());
    assertTrue(routed.isEmpty());
    List<AuditEvent> events = audit.readValuesToList();
    assertEquals(List.of("TOKEN_ACCEPTED", "APPROVAL_GRANTED"), events.stream().filter(e -> e.getRequestId().equals(one.getRequestId()))
        .map(AuditEvent::getType).toList(), "the approval is audited with the routing it caused");
    assertEquals(List.of("APPROVAL_REJECTED"), events.stream().filter(e -> e.getRequestId().equals(two.getRequestId()))
        .map(AuditEvent::getType).toList());
  }

  @Test
  void aRequestThatComesWithItsTokenIsAuditedAsAcceptedAndGranted() {
    TaskRequest good = request("acme", "create_charge");
    good.setApprovalToken(FakeTokens.token("alice", "n-with", "APPROVE", good.getRequestId()));
    submit(good, START);
    assertEquals(good.getRequestId(), routed.readValue().getRequest().getRequestId());
    assertEquals(List.of("TOKEN_ACCEPTED", "APPROVAL_GRANTED"), audit.readValuesToList().stream().map(AuditEvent::getType).toList());
  }

  @Test
  void aQuorumNeedsDistinctApprovers() {
    open(PolicyFile.builder().quorum("create_charge", 2).build());
    TaskRequest charge = submit(request("acme", "create_charge"), START);
    approvals.pipeInput(charge.getFlowId(), FakeTokens.parse(FakeTokens.token("alice", "n1", "APPROVE", charge.getRequestId()), charge.getFlowId()));
    approvals.pipeInput(charge.getFlowId(), FakeTokens.parse(FakeTokens.token("alice", "n2", "APPROVE", charge.getRequestId()), charge.getFlowId()));
    assertTrue(routed.isEmpty(), "the same approver twice is not a quorum");
    List<AuditEvent> events = audit.readValuesToList();
    assertTrue(events.stream().anyMatch(e -> e.getDetail().contains("already approved")));
    assertEquals(1, events.stream().filter(e -> e.getType().equals("TOKEN_ACCEPTED")).count(), "alice's first token counted");

    approvals.pipeInput(charge.getFlowId(), FakeTokens.parse(FakeTokens.token("bob", "n3", "APPROVE", charge.getRequestId()), charge.getFlowId()));

    assertEquals(2, routed.readValue().getApprovals().size());
  }

  @Test
  void aPendingRequestIsWarnedAboutThenExpires() {
    TaskRequest request = submit(request("acme", "send_linkedin"), START);
    status.readKeyValuesToMap();

    driver.advanceWallClockTime(Duration.ofMinutes(8).plusSeconds(10));
    assertTrue(audit.readValuesToList().stream().anyMatch(e -> e.getType().equals("SLA_WARNING") && e.getRequestId().equals(request.getRequestId())));
    assertTrue(blocked.isEmpty());

    driver.advanceWallClockTime(Duration.ofMinutes(2));
    org.apache.kafka.streams.test.TestRecord<String, BlockedTask> expired = blocked.readRecord();
    assertEquals("APPROVAL_EXPIRED", expired.value().getReason());
    assertEquals(request.getTraceparent(), io.fabric.schemas.records.TraceContext.get(expired.headers()), "also from a punctuator");
    assertEquals("APPROVAL_EXPIRED", statuses().get(request.getRequestId()).getReason());
    assertTrue(audit.readValuesToList().stream().anyMatch(e -> e.getType().equals("APPROVAL_EXPIRED") && e.getRequestId().equals(request.getRequestId())));

    approvals.pipeInput(request.getFlowId(), FakeTokens.parse(FakeTokens.token("alice", "late", "APPROVE", request.getRequestId()), request.getFlowId()));
    assertTrue(routed.isEmpty(), "an approval after expiry releases nothing");
  }

  @Test
  void theTopologyMatchesItsCommittedSnapshot() throws Exception {
    Properties props = props();
    String described = PolicyTopology.build(catalog, new PolicyGate(Policy.defaults(), new FakeTokens()), Duration.ofSeconds(10), props)
        .describe().toString();
    Path snapshot = Path.of("src/test/resources/policy-topology.txt");
    if (Boolean.getBoolean("updateSnapshots")) {
      Files.writeString(snapshot, described);
    }
    assertEquals(Files.readString(snapshot), described,
        "the policy topology changed: check store/topic names stay compatible, then run with -DupdateSnapshots=true");
  }
}
