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
  void aChangedSlotLeaseIsOneChange() {
    Policy before = PolicyFile.parse("limits: { rules: { r: { in_flight: 1 } } }\n");
    Policy after = PolicyFile.parse("limits: { slot_lease: PT4H, rules: { r: { in_flight: 1 } } }\n");

    assertEquals(List.of(new Change("limits.slot_lease", null, "*", "PT2H", "PT4H")), PolicyDiff.between(before, after));
  }
}
