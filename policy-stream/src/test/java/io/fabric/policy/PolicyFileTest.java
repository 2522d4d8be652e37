package io.fabric.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PolicyFileTest {
  @Test
  void theDefaultPolicyIsTheSeedsSetsAndUnknownActionsAreClassB() {
    Policy policy = Policy.defaults();

    Policy.SEED_CLASS_A.forEach(a -> assertEquals(ActionClass.A, policy.classify("t", a).actionClass(), a));
    Policy.SEED_CLASS_B.forEach(a -> assertEquals(ActionClass.B, policy.classify("t", a).actionClass(), a));
    Policy.SEED_CLASS_C.forEach(a -> assertEquals(ActionClass.C, policy.classify("t", a).actionClass(), a));
    assertEquals(new Classification(ActionClass.B, "default:unknown-action"), policy.classify("t", "launch_rocket"));
    assertEquals(10, Policy.SEED_CLASS_A.size());
    assertEquals(12, Policy.SEED_CLASS_B.size());
    assertEquals(5, Policy.SEED_CLASS_C.size());
  }

  @Test
  void aFileAddsActionsTightensTenantsAndSetsApprovalRules() {
    Policy policy = PolicyFile.parse("""
        classes:
          A: [score_lead]
          C: [wipe_tenant, send_linkedin]
        tenants:
          acme: { B: [summarize], C: [send_whatsapp] }
        canary: { tenants: [beta-co] }
        approvals:
          default_deadline: PT12H
          actions: { create_charge: { deadline: PT2H, quorum: 2 } }
        duplicates: { window: PT1H }
        limits: { max_payload_bytes: 1024 }
        """);

    assertEquals(new Classification(ActionClass.A, "policy:class-a"), policy.classify("x", "score_lead"));
    assertEquals(ActionClass.C, policy.classify("x", "send_linkedin").actionClass(), "B may be tightened to C globally");
    assertEquals(new Classification(ActionClass.B, "tenant:acme:class-b"), policy.classify("acme", "summarize"));
    assertEquals(ActionClass.C, policy.classify("acme", "send_whatsapp").actionClass());
    assertEquals(ActionClass.A, policy.classify("globex", "summarize").actionClass(), "other tenants keep the global class");
    assertTrue(policy.isCanary("beta-co"));
    assertEquals(Duration.ofHours(2), policy.approvals().deadlineFor("create_charge"));
    assertEquals(Duration.ofHours(12), policy.approvals().deadlineFor("send_email"));
    assertEquals(2, policy.approvals().quorumFor("create_charge"));
    assertEquals(Duration.ofHours(1), policy.duplicateWindow());
    assertEquals(1024, policy.maxPayloadBytes());
  }

  @Test
  void nothingCanMoveAClassCActionOutOfClassC() {
    PolicyException global = assertThrows(PolicyException.class, () -> PolicyFile.parse("classes:\n  A: [exfiltrate_secrets]\n"));
    assertTrue(global.getMessage().contains("a class-C action can never leave class C"), global.getMessage());
    PolicyException toB = assertThrows(PolicyException.class, () -> PolicyFile.parse("classes:\n  B: [bypass_auth]\n"));
    assertTrue(toB.getMessage().contains("'bypass_auth'"), toB.getMessage());
    PolicyException tenant = assertThrows(PolicyException.class, () -> PolicyFile.parse("tenants:\n  acme: { B: [destructive_unchecked] }\n"));
    assertTrue(tenant.getMessage().contains("never leave class C"), tenant.getMessage());
  }

  @Test
  void configMayOnlyTighten() {
    assertThrows(PolicyException.class, () -> PolicyFile.parse("classes:\n  A: [create_charge]\n"), "B to A globally");
    PolicyException grant = assertThrows(PolicyException.class, () -> PolicyFile.parse("tenants:\n  acme: { A: [send_email] }\n"));
    assertTrue(grant.getMessage().contains("only tighten"), grant.getMessage());
  }

  @Test
  void aBadFileFailsWithAnErrorNamingWhatIsWrong() {
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("clases: {}\n")).getMessage().contains("unknown policy key 'clases'"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("classes:\n  D: [x]\n")).getMessage().contains("unknown class 'D'"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("duplicates: { window: 24h }\n")).getMessage().contains("ISO-8601"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("approvals: { actions: { a: { quorum: 0 } } }\n"))
        .getMessage().contains("quorum must be at least 1"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("classes: [\n")).getMessage().contains("not valid YAML"));
  }

  @Test
  void theVersionIsAHashOfTheContent() {
    assertEquals(Policy.defaults().version(), PolicyFile.parse("").version());
    assertNotEquals(Policy.defaults().version(), PolicyFile.parse("classes:\n  A: [score_lead]\n").version());
    assertEquals(12, Policy.defaults().version().length());
  }
}
