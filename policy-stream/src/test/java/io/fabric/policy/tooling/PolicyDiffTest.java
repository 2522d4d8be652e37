package io.fabric.policy.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.tooling.PolicyDiff.Change;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyDiffTest {
  @Test
  void thesamePolicyHasNoChanges() {
    assertEquals(List.of(), PolicyDiff.between(Policy.defaults(), PolicyFile.parse("version: v2\n")));
  }

  @Test
  void classQuorumDeadlineCanaryAndSettingChangesAreEachOneChange() {
    Policy before = PolicyFile.parse("""
        tenants:
          strict-co: { B: [summarize] }
        approvals:
          actions: { create_charge: { quorum: 2 } }
        """);
    Policy after = PolicyFile.parse("""
        classes:
          C: [send_linkedin]
          A: [score_lead]
        tenants:
          strict-co: { B: [summarize], C: [send_email] }
        canary: { tenants: [beta-co] }
        approvals:
          actions: { create_charge: { quorum: 3, deadline: PT2H } }
        duplicates: { window: PT1H }
        """);

    assertEquals(List.of(
            new Change("class", "score_lead", "*", "B", "A"),
            new Change("class", "send_linkedin", "*", "B", "C"),
            new Change("class", "send_email", "strict-co", "B", "C"),
            new Change("quorum", "create_charge", "*", "2", "3"),
            new Change("deadline", "create_charge", "*", "PT24H", "PT2H"),
            new Change("canary", null, "beta-co", "false", "true"),
            new Change("duplicates.window", null, "*", "PT24H", "PT1H")),
        PolicyDiff.between(before, after));
  }

  @Test
  void aTenantIsListedOnlyWhereItsChangeDiffersFromEveryones() {
    // strict-co already had summarize at B; making it B for everyone changes nothing for strict-co
    Policy before = PolicyFile.parse("tenants:\n  strict-co: { B: [summarize] }\n");
    Policy after = PolicyFile.parse("classes:\n  B: [summarize]\ntenants:\n  strict-co: { B: [summarize] }\n");

    assertEquals(List.of(new Change("class", "summarize", "*", "A", "B")), PolicyDiff.between(before, after));
  }

  @Test
  void aLimitRuleAddedRemovedOrLoweredIsOneChangeEach() {
    Policy before = PolicyFile.parse("limits: { rules: { agents: { per: submitter, rate: { requests: 10, per: PT1S } }, old: { in_flight: 5 } } }\n");
    Policy after = PolicyFile.parse("limits: { rules: { agents: { per: submitter, rate: { requests: 2, per: PT1S } }, fresh: { class: B, in_flight: 1 } } }\n");

    assertEquals(List.of(
            new Change("limit", "agents", "*", "agents: per submitter, 10 per PT1S (burst 10), wait", "agents: per submitter, 2 per PT1S (burst 2), wait"),
            new Change("limit", "fresh", "*", "none", "fresh: per tenant, class B, in flight 1, wait"),
            new Change("limit", "old", "*", "old: per tenant, in flight 5, wait", "none")),
        PolicyDiff.between(before, after));
  }

  @Test
  void aPluginCapAddedRemovedOrChangedIsOneChangeEach() {
    // a cap is a vendor's limit over every tenant: lowering it or moving an action under it changes what starts
    Policy before = PolicyFile.parse("""
        limits:
          plugins:
            stripe: { actions: [create_charge], calls: { requests: 25, per: PT1S }, in_flight: 10 }
            twilio: { actions: [send_whatsapp], in_flight: 5 }
            mailer: { actions: [send_email], in_flight: 4 }
            same: { actions: [tag], in_flight: 1 }
        """);
    Policy after = PolicyFile.parse("""
        limits:
          plugins:
            stripe: { actions: [create_charge, change_billing_state], calls: { requests: 10, per: PT1S }, in_flight: 10 }
            mailer: { actions: [send_email], in_flight: 2 }
            sendgrid: { actions: [send_linkedin], calls: { requests: 5, per: PT1M, burst: 1 } }
            same: { actions: [tag], in_flight: 1 }
        """);

    assertEquals(List.of(
            new Change("plugin_cap", "mailer", "*", "mailer: actions [send_email], in flight 4", "mailer: actions [send_email], in flight 2"),
            new Change("plugin_cap", "sendgrid", "*", "none", "sendgrid: actions [send_linkedin], 5 per PT1M (burst 1)"),
            new Change("plugin_cap", "stripe", "*", "stripe: actions [create_charge], 25 per PT1S (burst 25), in flight 10",
                "stripe: actions [change_billing_state, create_charge], 10 per PT1S (burst 10), in flight 10"),
            new Change("plugin_cap", "twilio", "*", "twilio: actions [send_whatsapp], in flight 5", "none")),
        PolicyDiff.between(before, after));
  }

  @Test
  void limitRulesThenPluginCapsThenTheSlotLease() {
    Policy before = PolicyFile.parse("limits: { rules: { r: { in_flight: 1 } } }\n");
    Policy after = PolicyFile.parse("limits: { slot_lease: PT4H, rules: { r: { in_flight: 2 } }, plugins: { p: { actions: [tag], in_flight: 3 } } }\n");

    assertEquals(List.of("limit", "plugin_cap", "limits.slot_lease"), PolicyDiff.between(before, after).stream().map(Change::what).toList());
  }

  @Test
  void aChangedSlotLeaseIsOneChange() {
    Policy before = PolicyFile.parse("limits: { rules: { r: { in_flight: 1 } } }\n");
    Policy after = PolicyFile.parse("limits: { slot_lease: PT4H, rules: { r: { in_flight: 1 } } }\n");

    assertEquals(List.of(new Change("limits.slot_lease", null, "*", "PT2H", "PT4H")), PolicyDiff.between(before, after));
  }
}
