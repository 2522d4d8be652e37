package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.escalation.ApprovalNotices;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A pending request notifies its first group at once, the next at the SLA warning, each once, and still expires fail-closed. */
class EscalationTopologyTest {
  private static final Instant START = Instant.parse("2026-12-02T10:00:00Z");
  static final String POLICY = """
      approvals: { default_deadline: PT10M, sla_warning_fraction: 0.5 }
      approver_groups:
        finance: { notify: [ { plugin: email, to: finance@acme.test } ] }
        cfo: { notify: [ { plugin: email, to: cfo@acme.test }, { plugin: webhook } ] }
      escalation:
        default: [finance, cfo]
      """;

  @TempDir
  Path stateDir;

  private GateDriver open(Instant at) {
    return new GateDriver(new PolicyGate(PolicyFile.parse(POLICY), new FakeTokens()), Duration.ofSeconds(1), stateDir, at);
  }

  private static List<RoutedTask> notices(GateDriver gate) {
    return gate.routed.readValuesToList().stream().filter(t -> t.getRequest().getAttributes().containsKey(ApprovalNotices.ATTRIBUTE)).toList();
  }

  @Test
  void theFirstGroupAtOnceTheSecondAtTheWarningEachOnceThenExpired() {
    TaskRequest request;
    try (GateDriver gate = open(START)) {
      request = gate.submit(Submission.of("acme", "send_whatsapp").payload("{\"to\":\"+15550100\",\"text\":\"hi\"}")
          .toRequest(START.toEpochMilli()));
      List<RoutedTask> first = notices(gate);
      assertEquals(1, first.size(), first.toString());
      RoutedTask finance = first.get(0);
      assertEquals("send_email", finance.getRequest().getAction());
      assertEquals(ApprovalNotices.idempotencyKey(request.getRequestId(), 0, 0), finance.getRequest().getIdempotencyKey());
      assertTrue(finance.getRequest().getPayload().contains("finance@acme.test"), finance.getRequest().getPayload());
      assertTrue(finance.getRequest().getPayload().contains("fabric approvals show " + request.getRequestId()), finance.getRequest().getPayload());
      assertTrue(finance.getRequest().getPayload().contains("/console/approvals/" + request.getRequestId()));
      assertEquals("escalation:finance:step-0", finance.getDecision().getRule());
      gate.advance(Duration.ofMinutes(4));
      assertEquals(List.of(), notices(gate), "nothing more before the warning");
      gate.advance(Duration.ofMinutes(1).plusSeconds(1));
      List<RoutedTask> second = notices(gate);
      assertEquals(List.of("send_email", "webhook"), second.stream().map(t -> t.getRequest().getAction()).toList());
      assertTrue(second.get(0).getRequest().getPayload().contains("cfo@acme.test"));
      assertEquals(Map.of(ApprovalNotices.ATTRIBUTE, request.getRequestId() + ":1"), second.get(0).getRequest().getAttributes());
      assertEquals(3, gate.audits(GateProcessor.APPROVAL_NOTIFIED).size());
      gate.advance(Duration.ofMinutes(2));
      assertEquals(List.of(), notices(gate), "each step once");
      gate.advance(Duration.ofMinutes(3));
      assertEquals("APPROVAL_EXPIRED", gate.blocked.readValue().getReason());
      assertEquals(List.of(), notices(gate));
    }
    // once per step across a crash and restart: EscalationIntegrationTest (TopologyTestDriver wipes its state on close)
  }

  @Test
  void aTenantsLimitsNeverHoldOrBlockTheGatesOwnNotices() {
    // every send_email of acme over a budget of zero is blocked: the notices about acme's request are the gate's, not acme's
    String limited = POLICY + "limits: { rules: { mail: { actions: [send_email, webhook], rate: { requests: 1, per: PT1H, burst: 1 }, on_limit: block } } }\n";
    try (GateDriver gate = new GateDriver(new PolicyGate(PolicyFile.parse(limited), new FakeTokens()), Duration.ofSeconds(1), stateDir, START)) {
      gate.submit(Submission.of("acme", "send_whatsapp").payload("{\"to\":\"+15550100\",\"text\":\"hi\"}").toRequest(START.toEpochMilli()));
      gate.submit(Submission.of("acme", "send_whatsapp").payload("{\"to\":\"+15550101\",\"text\":\"hi\"}").toRequest(START.toEpochMilli()));
      gate.advance(Duration.ofMinutes(5).plusSeconds(1));
      assertEquals(6, notices(gate).size(), "finance for each, then cfo's e-mail and webhook for each");
      assertTrue(gate.blocked.isEmpty(), "no notice blocked RATE_LIMITED");
    }
  }

  /**
   * Red team: a notice's request id and flow are derived from the request it is about, so for a guessable id (one
   * chosen through the gateway, {@code tenant:acme:order-42}) another tenant can compute them and use both first.
   * The notice bypasses the request-id stage and flow ownership, so it was routed under an id and a flow globex's
   * own routed task already held (the runtime then refuses it TENANT_MISMATCH against globex's checkpoint, or skips
   * it as a step already done): acme's approvers never heard of the request. A notice's id is its tenant's now.
   */
  @Test
  void anotherTenantCannotTakeTheIdOrFlowOfANoticeAboutARequestWithAChosenId() {
    String acmesId = ReservedNames.tenantScopedRequestId("acme", "order-42");
    String noticeId = ApprovalNotices.noticeId("acme", acmesId, 0, 0);
    try (GateDriver gate = open(START)) {
      gate.submit(Submission.of("globex", "summarize").requestId(noticeId).payload("{\"text\":\"squat\"}").toRequest(START.toEpochMilli()));
      gate.submit(Submission.of("globex", "summarize").flowId(noticeId).payload("{\"text\":\"squat\"}").toRequest(START.toEpochMilli()));
      gate.submit(Submission.of("acme", "send_whatsapp").requestId(acmesId).payload("{\"to\":\"+15550100\",\"text\":\"hi\"}")
          .toRequest(START.toEpochMilli()));

      List<RoutedTask> routed = gate.routed.readValuesToList();
      RoutedTask notice = routed.stream().filter(t -> t.getRequest().getAttributes().containsKey(ApprovalNotices.ATTRIBUTE))
          .findFirst().orElseThrow();
      assertEquals(noticeId, notice.getRequest().getRequestId(), "the id another tenant can compute");
      List<String> others = routed.stream().filter(t -> !t.getRequest().getTenantId().equals("acme"))
          .map(t -> t.getRequest().getRequestId() + " in flow " + t.getRequest().getFlowId()).toList();
      assertTrue(others.stream().noneMatch(o -> o.contains(noticeId)), "globex routed nothing under the notice's id or flow: " + others);
    }
  }

  @Test
  void aSubmittedRequestCarryingTheNoticeAttributeIsRefused() {
    try (GateDriver gate = open(START)) {
      TaskRequest forged = Submission.of("acme", "send_email").payload("{\"to\":\"x@y.z\",\"text\":\"hi\"}").toRequest(START.toEpochMilli());
      forged.setAttributes(Map.of(ApprovalNotices.ATTRIBUTE, "someone:0"));
      gate.submit(forged);
      assertEquals("INVALID_REQUEST", gate.blocked.readValue().getReason());
      assertTrue(gate.routed.isEmpty());
    }
  }
}
