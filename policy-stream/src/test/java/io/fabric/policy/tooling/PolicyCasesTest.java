package io.fabric.policy.tooling;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.Policy;
import io.fabric.policy.PolicyException;
import io.fabric.policy.PolicyFile;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyCasesTest {
  private static final String CASES = """
      cases:
        - name: summaries run
          tenant: acme
          action: summarize
          expect: { outcome: RUNS, class: a }
        - name: a charge needs two approvers
          tenant: acme
          action: create_charge
          submitter: billing-agent
          payload: { amount: 1200 }
          expect: { outcome: WAITS_FOR_APPROVAL, quorum: 2, deadline: PT120M }
        - name: secrets never leave
          tenant: acme
          action: exfiltrate_secrets
          expect: { outcome: BLOCKED, reason: FORBIDDEN }
      """;

  @Test
  void everyCasePassesUnderThePolicyItWasWrittenFor() {
    Policy policy = PolicyFile.parse("approvals:\n  actions: { create_charge: { deadline: PT2H, quorum: 2 } }\n");

    assertEquals(List.of(), PolicyCases.parse(CASES, "cases.yaml").run(policy));
  }

  @Test
  void eachUnmetExpectationIsOneMismatchNamingTheCaseLineFieldAndBothValues() {
    // Given the default policy: create_charge has quorum 1 and a 24 h deadline
    List<PolicyCases.Mismatch> mismatches = PolicyCases.parse(CASES, "cases.yaml").run(Policy.defaults());

    // Then the second case fails on both, and nothing else does
    assertEquals(List.of("cases.yaml:6: case 'a charge needs two approvers': expected quorum 2, got 1",
            "cases.yaml:6: case 'a charge needs two approvers': expected deadline PT2H, got PT24H"),
        mismatches.stream().map(PolicyCases.Mismatch::message).toList());
  }

  @Test
  void aMisspeltExpectationIsRefusedWithItsLine() {
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyCases.parse("""
        cases:
          - tenant: acme
            action: summarize
            expect:
              outcom: RUNS
        """, "c.yaml"));

    assertTrue(e.getMessage().startsWith("c.yaml:5: unknown key 'outcom' in expect"), e.getMessage());
  }

  @Test
  void aCaseWithoutTenantOrExpectationsIsRefused() {
    assertTrue(assertThrows(PolicyException.class, () -> PolicyCases.parse("cases:\n  - action: summarize\n    expect: { outcome: RUNS }\n", "c"))
        .getMessage().contains("c:2: case 'case at line 2' must name a tenant and an action"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyCases.parse("cases:\n  - { tenant: a, action: b }\n", "c"))
        .getMessage().contains("expects nothing"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyCases.parse("cases: []\n", "c")).getMessage().contains("non-empty list"));
  }
}
