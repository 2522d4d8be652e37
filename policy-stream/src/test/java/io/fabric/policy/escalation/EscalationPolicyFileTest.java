package io.fabric.policy.escalation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class EscalationPolicyFileTest {
  @Test
  void groupsAndChainsAreReadPerActionWithADefault() {
    Policy policy = PolicyFile.parse("""
        approver_groups:
          finance: { notify: [ { plugin: email, to: f@acme.test } ] }
          cfo: { notify: [ { plugin: whatsapp, to: "+15550100" } ] }
        escalation:
          default: [finance]
          actions: { create_charge: [finance, cfo] }
        """);
    EscalationRules rules = policy.escalation();
    assertEquals(List.of("finance", "cfo"), rules.chainFor("create_charge"));
    assertEquals(Optional.of("cfo"), rules.groupAt("create_charge", 1));
    assertEquals(Optional.empty(), rules.groupAt("send_email", 1));
    assertEquals("send_whatsapp", rules.groups().get("cfo").get(0).action());
    assertTrue(!policy.version().equals(Policy.defaults().version()));
  }

  @Test
  void problemsCarryTheirLines() {
    List<String> lines = PolicyFile.check("""
        approver_groups:
          finance: { notify: [ { plugin: fax, to: f } ] }
          ops: { notify: [ { plugin: email } ], escalate: true }
        escalation:
          default: [finance, nobody]
          actions: { create_charge: [] }
        """, "policy file p.yaml").problems().stream().map(PolicyFile.PolicyProblem::message).toList();
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("policy file p.yaml:2: approver_groups.finance.notify[0].plugin must be one of")), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:3: approver_groups.ops.notify[0]: plugin email needs to"), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("policy file p.yaml:3: unknown key 'escalate' in approver_groups.ops")), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:5: escalation.default names 'nobody', which approver_groups does not define"), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:6: escalation.actions.create_charge must be a non-empty list of approver groups"), lines.toString());
  }
}
