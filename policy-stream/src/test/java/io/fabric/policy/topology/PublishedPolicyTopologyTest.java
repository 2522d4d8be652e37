package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.PublishedPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.TestInputTopic;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A policy published on the policy topic decides from the next record on, without a restart; each decision names its version. */
class PublishedPolicyTopologyTest {
  private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");
  private static final String TIGHTER = "version: v2\nclasses:\n  B: [summarize]\n  C: [send_email]\n";

  @TempDir
  Path stateDir;

  private final Policy startPolicy = Policy.defaults();
  private GateDriver gate;
  private TestInputTopic<String, String> policyTopic;

  @BeforeEach
  void start() {
    gate = new GateDriver(new PolicyGate(startPolicy, new FakeTokens()), Duration.ofSeconds(1), stateDir, START);
    policyTopic = gate.driver.createInputTopic(gate.catalog.policy.name(), gate.catalog.policy.keySerde().serializer(),
        gate.catalog.policy.valueSerde().serializer());
  }

  @AfterEach
  void stop() {
    gate.close();
  }

  private TaskRequest submit(String action) {
    return gate.submit(Submission.of("acme", action).payload("{\"text\":\"hi\"}").toRequest(gate.now().toEpochMilli()));
  }

  @Test
  void anEmptyPolicyTopicLeavesTheStartPolicyInForce() {
    TaskRequest request = submit("summarize");

    List<RoutedTask> routed = gate.routed.readValuesToList();
    assertEquals(List.of(request.getRequestId()), routed.stream().map(t -> t.getRequest().getRequestId()).toList());
    assertEquals(startPolicy.version(), routed.get(0).getDecision().getPolicyVersion());
  }

  @Test
  void aPublishedPolicyDecidesTheNextRecordAndEachDecisionNamesItsVersion() {
    // Given a summarize decided by the start policy (class A: routed)
    TaskRequest before = submit("summarize");
    assertEquals(1, gate.routed.readValuesToList().size());

    // When a tighter policy is published, then the same action is requested again
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, TIGHTER, gate.now());
    TaskRequest after = submit("summarize");
    TaskRequest email = submit("send_email");

    // Then the later requests are decided by the published policy and say so; the earlier one is not decided again
    String published = PolicyFile.parse(TIGHTER).version();
    assertTrue(gate.routed.isEmpty(), "nothing more is routed");
    List<PendingApproval> pending = gate.pending.readValuesToList();
    assertEquals(List.of(after.getRequestId()), pending.stream().map(p -> p.getRequest().getRequestId()).toList());
    assertEquals(published, pending.get(0).getDecision().getPolicyVersion());
    List<BlockedTask> blocked = gate.blocked.readValuesToList();
    assertEquals(List.of(email.getRequestId()), blocked.stream().map(b -> b.getRequest().getRequestId()).toList());
    assertEquals("FORBIDDEN", blocked.get(0).getReason().toString());
    assertEquals(published, blocked.get(0).getDecision().getPolicyVersion());
    Map<String, List<String>> outcomes = outcomesByRequest();
    assertEquals(List.of("ROUTED"), outcomes.get(before.getRequestId()), "decided once, by the policy of its time");
  }

  @Test
  void aRequestWaitingForApprovalIsJudgedAgainByThePublishedPolicy() {
    // Given a send_email waiting for approval under the start policy
    TaskRequest waiting = submit("send_email");
    assertEquals(1, gate.pending.readValuesToList().size());

    // When send_email is made forbidden, and the gate's next check runs
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, TIGHTER, gate.now());
    gate.advance(Duration.ofSeconds(2));

    // Then it is blocked FORBIDDEN, naming both versions
    List<BlockedTask> blocked = gate.blocked.readValuesToList();
    assertEquals(List.of(waiting.getRequestId()), blocked.stream().map(b -> b.getRequest().getRequestId()).toList());
    assertTrue(blocked.get(0).getDetail().contains(startPolicy.version() + " -> " + PolicyFile.parse(TIGHTER).version()),
        blocked.get(0).getDetail());
  }

  @Test
  void anInvalidPublishedPolicyIsRefusedAndTheStartPolicyDecides() {
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, TIGHTER, gate.now());
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, "classes:\n  A: [exfiltrate_secrets]\n", gate.now());

    TaskRequest secrets = submit("exfiltrate_secrets");
    TaskRequest summary = submit("summarize");

    assertEquals(List.of(secrets.getRequestId()), gate.blocked.readValuesToList().stream().map(b -> b.getRequest().getRequestId()).toList());
    List<RoutedTask> routed = gate.routed.readValuesToList();
    assertEquals(List.of(summary.getRequestId()), routed.stream().map(t -> t.getRequest().getRequestId()).toList());
    assertEquals(startPolicy.version(), routed.get(0).getDecision().getPolicyVersion());
  }

  @Test
  void aDeletedPolicyGoesBackToTheStartPolicy() {
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, TIGHTER, gate.now());
    policyTopic.pipeInput(PublishedPolicy.ACTIVE_KEY, null, gate.now());

    submit("summarize");

    assertEquals(startPolicy.version(), gate.routed.readValuesToList().get(0).getDecision().getPolicyVersion());
  }

  @Test
  void aShadowPolicyIsAuditedWhereItsOutcomeDiffersAndNeverActedOn() {
    // Given a shadow policy that makes summarize class B and send_email class C
    policyTopic.pipeInput(PublishedPolicy.SHADOW_KEY, TIGHTER, gate.now());

    // When requests arrive
    TaskRequest summary = submit("summarize");
    TaskRequest classify = submit("classify");
    TaskRequest email = submit("send_email");

    // Then the active policy decided them all
    assertEquals(List.of(summary.getRequestId(), classify.getRequestId()),
        gate.routed.readValuesToList().stream().map(t -> t.getRequest().getRequestId()).toList());
    assertEquals(List.of(email.getRequestId()), gate.pending.readValuesToList().stream().map(p -> p.getRequest().getRequestId()).toList());
    assertTrue(gate.blocked.isEmpty());
    // and exactly the two whose outcome differs are audited, naming both outcomes and versions
    List<io.fabric.contracts.AuditEvent> differs = gate.audits(io.fabric.schemas.records.AuditEvents.POLICY_SHADOW_DIFFERS);
    assertEquals(List.of(summary.getRequestId(), email.getRequestId()), differs.stream().map(e -> e.getRequestId()).toList());
    assertEquals(startPolicy.version(), differs.get(0).getPolicyVersion());
    assertTrue(differs.get(1).getDetail().startsWith("shadow policy " + PolicyFile.parse(TIGHTER).version() + " would give BLOCKED FORBIDDEN"),
        differs.get(1).getDetail());

    // When the shadow is deleted, nothing more is compared
    policyTopic.pipeInput(PublishedPolicy.SHADOW_KEY, null, gate.now());
    submit("summarize");
    assertTrue(gate.audits(io.fabric.schemas.records.AuditEvents.POLICY_SHADOW_DIFFERS).isEmpty());
  }

  private Map<String, List<String>> outcomesByRequest() {
    Map<String, List<String>> outcomes = new HashMap<>();
    for (RequestStatus s : gate.status.readValuesToList()) {
      if (!s.getOutcome().toString().equals("RECEIVED")) {
        outcomes.computeIfAbsent(s.getRequestId(), k -> new ArrayList<>()).add(s.getOutcome().toString());
      }
    }
    return outcomes;
  }
}
