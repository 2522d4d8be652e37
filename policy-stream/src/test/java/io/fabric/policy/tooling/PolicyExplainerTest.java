package io.fabric.policy.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.ActionClass;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.tooling.PolicyExplainer.Explanation;
import io.fabric.policy.tooling.PolicyExplainer.Outcome;
import io.fabric.policy.tooling.PolicyExplainer.Probe;
import io.fabric.schemas.records.Reason;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyExplainerTest {
  private final Policy policy = PolicyFile.parse("""
      tenants:
        strict-co: { B: [summarize], C: [send_whatsapp] }
      canary: { tenants: [beta-co] }
      approvals:
        actions: { create_charge: { deadline: PT2H, quorum: 2 } }
      limits: { max_payload_bytes: 64 }
      """);
  private final PolicyExplainer explainer = new PolicyExplainer(policy);

  @Test
  void classARunsAtOnce() {
    Explanation e = explainer.explain(Probe.of("acme", "summarize"));

    assertEquals(Outcome.RUNS, e.outcome());
    assertEquals(ActionClass.A, e.actionClass());
    assertEquals("default:class-a", e.rule());
    assertEquals(policy.version(), e.policyVersion());
    assertNull(e.reason());
  }

  @Test
  void classBWaitsWithItsQuorumDeadlineAndWarning() {
    Explanation e = explainer.explain(new Probe("acme", "create_charge", "billing-agent", "{\"amount\":1200}"));

    assertEquals(Outcome.WAITS_FOR_APPROVAL, e.outcome());
    assertEquals(2, e.quorum());
    assertEquals(Duration.ofHours(2), e.deadline());
    assertEquals(Duration.ofMinutes(96), e.slaWarningAfter(), "80% of the deadline");
    assertEquals("billing-agent", e.probe().submitter());
    assertEquals(1, explainer.explain(Probe.of("acme", "launch_rocket")).quorum(), "an unknown action is class B with quorum 1");
    assertEquals("default:unknown-action", explainer.explain(Probe.of("acme", "launch_rocket")).rule());
  }

  @Test
  void aTenantRuleTightensAndNamesItself() {
    Explanation e = explainer.explain(Probe.of("strict-co", "summarize"));
    assertEquals(Outcome.WAITS_FOR_APPROVAL, e.outcome());
    assertEquals("tenant:strict-co:class-b", e.rule());

    Explanation forbidden = explainer.explain(Probe.of("strict-co", "send_whatsapp"));
    assertEquals(Outcome.BLOCKED, forbidden.outcome());
    assertEquals(Reason.FORBIDDEN, forbidden.reason());
  }

  @Test
  void classCIsBlockedForbidden() {
    Explanation e = explainer.explain(Probe.of("acme", "exfiltrate_secrets"));

    assertEquals(Outcome.BLOCKED, e.outcome());
    assertEquals(Reason.FORBIDDEN, e.reason());
    assertEquals(ActionClass.C, e.actionClass());
    assertTrue(e.summary().startsWith("BLOCKED  class C  rule default:class-c  reason FORBIDDEN  policy "), e.summary());
  }

  @Test
  void aPayloadTheGateRefusesIsBlockedInvalidRequestWithTheGatesReason() {
    Explanation notJson = explainer.explain(new Probe("acme", "summarize", null, "[1,2]"));
    assertEquals(Outcome.BLOCKED, notJson.outcome());
    assertEquals(Reason.INVALID_REQUEST, notJson.reason());
    assertEquals("payload must be a JSON object, got array", notJson.detail());

    Explanation tooBig = explainer.explain(new Probe("acme", "summarize", null, "{\"text\":\"" + "x".repeat(100) + "\"}"));
    assertTrue(tooBig.detail().contains("over the limit of 64 bytes"), tooBig.detail());

    assertEquals(Reason.INVALID_REQUEST, explainer.explain(Probe.of("acme", "Not An Action")).reason());
  }

  @Test
  void aCanaryTenantIsFlagged() {
    assertTrue(explainer.explain(Probe.of("beta-co", "summarize")).canary());
  }

  @Test
  void explainNamesTheLimitsThatCountTheRequest() {
    PolicyExplainer limited = new PolicyExplainer(PolicyFile.parse("""
        limits:
          rules:
            agents: { per: submitter, class: A, rate: { requests: 5, per: PT1S, burst: 10 }, on_limit: block }
            charges: { actions: [create_charge], tenants: [acme], in_flight: 2 }
        """));

    Explanation summary = limited.explain(Probe.of("acme", "summarize"));
    assertEquals(java.util.List.of("agents: per submitter, class A, 5 per PT1S (burst 10), block"), summary.limits());
    assertTrue(summary.summary().endsWith("limits agents: per submitter, class A, 5 per PT1S (burst 10), block"), summary.summary());
    assertEquals(java.util.List.of("charges: per tenant, actions [create_charge], tenants [acme], in flight 2, wait"),
        limited.explain(Probe.of("acme", "create_charge")).limits());
    assertEquals(java.util.List.of(), limited.explain(Probe.of("globex", "create_charge")).limits());
  }
}
