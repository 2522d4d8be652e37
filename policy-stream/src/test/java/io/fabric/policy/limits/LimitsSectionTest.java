package io.fabric.policy.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.ActionClass;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LimitsSectionTest {
  @Test
  void rulesAreReadWithTheirDefaults() {
    Policy policy = PolicyFile.parse("""
        limits:
          max_payload_bytes: 4096
          rules:
            agents:
              per: submitter
              class: A
              rate: { requests: 5, per: PT1S, burst: 10 }
              in_flight: 3
            charges:
              actions: [create_charge]
              tenants: [acme]
              rate: { requests: 30, per: PT1M }
              on_limit: block
        """);

    List<LimitRule> rules = policy.limits().rules();
    assertEquals(new LimitRule("agents", LimitRule.Scope.SUBMITTER, ActionClass.A, Set.of(), Set.of(),
        new LimitRule.Rate(5, Duration.ofSeconds(1), 10), 3, LimitRule.OnLimit.WAIT), rules.get(0));
    assertEquals(new LimitRule("charges", LimitRule.Scope.TENANT, null, Set.of("create_charge"), Set.of("acme"),
        new LimitRule.Rate(30, Duration.ofMinutes(1), 30), null, LimitRule.OnLimit.BLOCK), rules.get(1), "burst defaults to requests");
    assertEquals(4096, policy.maxPayloadBytes());
    assertEquals(List.of(rules.get(1)), policy.limits().applying("acme", "create_charge", ActionClass.B));
    assertEquals(List.of(), policy.limits().applying("globex", "create_charge", ActionClass.B));
    assertEquals(List.of(rules.get(0)), policy.limits().applying("globex", "summarize", ActionClass.A));
  }

  @Test
  void aPolicyWithoutRulesKeepsItsVersionAndRulesChangeIt() {
    String base = "limits: { max_payload_bytes: 4096 }\n";
    assertEquals(PolicyFile.parse(base).version(), PolicyFile.parse("limits: { max_payload_bytes: 4096, rules: {} }\n").version());
    assertNotEquals(PolicyFile.parse(base).version(),
        PolicyFile.parse("limits: { max_payload_bytes: 4096, rules: { r: { in_flight: 2 } } }\n").version());
  }

  @Test
  void checkNamesTheLineOfEveryProblem() {
    PolicyFile.Checked checked = PolicyFile.check("""
        limits:
          rules:
            agents:
              per: agent
              class: C
              rate: { requests: 0, per: soon }
              in_flihgt: 3
              on_limit: drop
            nothing:
              per: tenant
        """, "policy file p.yaml");

    List<String> lines = checked.problems().stream().map(PolicyFile.PolicyProblem::message).toList();
    assertTrue(lines.contains("policy file p.yaml:4: limits.rules.agents.per must be one of [tenant, submitter], got 'agent'"), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:5: limits.rules.agents.class C never runs, so it has nothing to limit; use A or B"), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("policy file p.yaml:6: limits.rules.agents.rate.requests must be a whole number")), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("policy file p.yaml:7: unknown key 'in_flihgt' in limits.rules.agents")), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:8: limits.rules.agents.on_limit must be one of [wait, block], got 'drop'"), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:9: limits.rules.nothing limits nothing: give rate, in_flight or both"), lines.toString());
  }

  @Test
  void pluginCapsAreReadAndAnActionCappedTwiceOrAGlobalRuleIsRefused() {
    Policy policy = PolicyFile.parse("""
        limits:
          plugins:
            stripe: { actions: [create_charge], calls: { requests: 25, per: PT1S }, in_flight: 10 }
        """);
    assertEquals(new PluginCap("stripe", Set.of("create_charge"), new LimitRule.Rate(25, Duration.ofSeconds(1), 25), 10),
        policy.limits().capFor("create_charge").orElseThrow());
    assertTrue(policy.limits().capFor("summarize").isEmpty());

    List<String> lines = PolicyFile.check("""
        limits:
          plugins:
            stripe: { actions: [create_charge], in_flight: 10 }
            billing:
              actions: [create_charge]
              calls: { requests: 5 }
          rules:
            everyone: { per: global, in_flight: 3 }
        """, "p.yaml").problems().stream().map(PolicyFile.PolicyProblem::message).toList();
    assertTrue(lines.contains("p.yaml:5: limits.plugins.billing.actions: create_charge is already capped by limits.plugins.stripe"), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("p.yaml:8: limits.rules.everyone.per must be one of [tenant, submitter]")), lines.toString());
  }

  @Test
  void theSlotLeaseDefaultsKeepsThePolicyVersionUnlessSetAndAWrongOneNamesItsLine() {
    String base = "limits: { rules: { r: { in_flight: 2 } } }\n";
    assertEquals(Limits.DEFAULT_SLOT_LEASE, PolicyFile.parse(base).limits().slotLease());
    assertEquals(Duration.ofHours(3), PolicyFile.parse("limits: { slot_lease: PT3H, rules: { r: { in_flight: 2 } } }\n").limits().slotLease());
    assertEquals(PolicyFile.parse(base).version(),
        PolicyFile.parse("limits: { slot_lease: " + Limits.DEFAULT_SLOT_LEASE + ", rules: { r: { in_flight: 2 } } }\n").version(),
        "a policy that does not change the lease keeps its version");
    assertNotEquals(PolicyFile.parse(base).version(), PolicyFile.parse("limits: { slot_lease: PT3H, rules: { r: { in_flight: 2 } } }\n").version());

    List<String> lines = PolicyFile.check("""
        limits:
          slot_lease: PT10S
        """, "p.yaml").problems().stream().map(PolicyFile.PolicyProblem::message).toList();
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("p.yaml:2: limits.slot_lease must be an ISO-8601 duration of at least PT1M")), lines.toString());
    List<String> garbled = PolicyFile.check("limits:\n  slot_lease: soon\n", "p.yaml").problems().stream()
        .map(PolicyFile.PolicyProblem::message).toList();
    assertTrue(garbled.stream().anyMatch(l -> l.startsWith("p.yaml:2: limits.slot_lease must be")), garbled.toString());
  }
}
