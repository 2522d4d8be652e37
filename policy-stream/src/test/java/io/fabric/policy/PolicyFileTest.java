package io.fabric.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  @Test
  void aMisspeltKeyAtAnyLevelIsRefusedWithFileLineAndReason(@TempDir Path dir) throws Exception {
    // Given a quorum of 2 whose key is misspelt, which a lenient reader would treat as quorum 1
    Path file = Files.writeString(dir.resolve("policy.yaml"), """
        approvals:
          default_deadline: PT24H
          actions:
            create_charge:
              deadline: PT2H
              quorom: 2
        """);

    // When the policy is loaded
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyFile.load(file));

    // Then it is refused, naming the file, the line and the key
    assertEquals("policy file " + file + ":6: unknown key 'quorom' in approvals.actions.create_charge; expected deadline, quorum",
        e.getMessage());
  }

  @Test
  void unknownKeysInEverySectionAreRefused() {
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("approvals:\n  sla_warning: 0.5\n")).getMessage()
        .contains(":2: unknown key 'sla_warning' in approvals;"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("canary:\n  tenant: [beta-co]\n")).getMessage()
        .contains(":2: unknown key 'tenant' in canary;"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("duplicates: { windows: PT1H }\n")).getMessage()
        .contains(":1: unknown key 'windows' in duplicates;"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("limits:\n  max_payload: 10\n")).getMessage()
        .contains(":2: unknown key 'max_payload' in limits;"));
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("\nclases: {}\n")).getMessage()
        .contains(":2: unknown policy key 'clases'"));
  }

  @Test
  void aDuplicateKeyIsRefusedInsteadOfTheLastOneWinning(@TempDir Path dir) throws Exception {
    // Given a file that sets the same action's rules twice
    Path file = Files.writeString(dir.resolve("policy.yaml"), """
        approvals:
          actions:
            create_charge: { quorum: 2 }
            create_charge: { quorum: 1 }
        """);

    // When it is loaded
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyFile.load(file));

    // Then it is refused at the second occurrence
    assertTrue(e.getMessage().startsWith("policy file " + file + ":4: duplicate key 'create_charge' in approvals.actions (first at line 3)"),
        e.getMessage());
  }

  @Test
  void aDuplicateTopLevelKeyIsRefused() {
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyFile.parse("classes:\n  C: [wipe]\nclasses:\n  A: [x]\n"));

    assertTrue(e.getMessage().contains(":3: duplicate key 'classes' (first at line 1)"), e.getMessage());
  }

  @Test
  void theMaximumTokenLifetimeDefaultsToOneHourAndIsPartOfTheVersion() {
    Policy defaults = Policy.defaults();
    Policy shorter = PolicyFile.parse("approvals:\n  max_token_lifetime: PT15M\n");

    assertEquals(Duration.ofHours(1), defaults.approvals().maxTokenLifetime());
    assertEquals(Duration.ofMinutes(15), shorter.approvals().maxTokenLifetime());
    assertNotEquals(defaults.version(), shorter.version());
    assertEquals(defaults.version(), PolicyFile.parse("approvals:\n  max_token_lifetime: PT1H\n").version());
  }

  @Test
  void aTokenLifetimeOverTheHardCapOrNotPositiveIsRefused() {
    PolicyException tooLong = assertThrows(PolicyException.class, () -> PolicyFile.parse("approvals:\n  max_token_lifetime: PT25H\n"));
    assertTrue(tooLong.getMessage().contains(":2: approvals.max_token_lifetime PT25H is longer than the hard cap PT24H"), tooLong.getMessage());
    PolicyException zero = assertThrows(PolicyException.class, () -> PolicyFile.parse("approvals:\n  max_token_lifetime: PT0S\n"));
    assertTrue(zero.getMessage().contains("approvals.max_token_lifetime must be positive"), zero.getMessage());
    assertThrows(PolicyException.class, () -> PolicyFile.builder().maxTokenLifetime(Duration.ofDays(2)).build());
    assertEquals(Duration.ofHours(24), PolicyFile.builder().maxTokenLifetime(Duration.ofHours(24)).build().approvals().maxTokenLifetime());
  }

  @Test
  void retentionIsReadAndMayNotBeShorterThanWhatItProtects() {
    Policy policy = PolicyFile.parse("retention:\n  flow_owners: P7D\n  request_ids: P10D\n");
    assertEquals(new StateRetention(Duration.ofDays(7), Duration.ofDays(10)), policy.retention());
    assertEquals(StateRetention.DEFAULT, Policy.defaults().retention());

    PolicyException shorterThanDeadline = assertThrows(PolicyException.class,
        () -> PolicyFile.parse("approvals:\n  default_deadline: P3D\nretention:\n  flow_owners: P1D\n"));
    assertTrue(shorterThanDeadline.getMessage().contains("longest approval deadline"), shorterThanDeadline.getMessage());
    assertThrows(PolicyException.class, () -> PolicyFile.parse("retention:\n  request_ids: PT1H\n"), "shorter than the duplicate window");
    PolicyException typo = assertThrows(PolicyException.class, () -> PolicyFile.parse("retention:\n  flow_owner: P7D\n"));
    assertTrue(typo.getMessage().contains("flow_owner"), typo.getMessage());
  }

  @Test
  void checkListsEveryProblemInFileOrderWithItsLine() {
    // Given a file with a duplicate key, a loosening, an unknown key, a bad duration and a bad quorum
    String yaml = """
        classes:
          A: [score_lead, exfiltrate_secrets]
        tenants:
          acme: { A: [send_email] }
        approvals:
          default_deadline: 24h
          quorom: 2
          actions:
            create_charge: { quorum: 0 }
        limits: { max_payload_bytes: 10 }
        limits: { max_payload_bytes: 20 }
        """;

    // When it is checked
    PolicyFile.Checked checked = PolicyFile.check(yaml, "p.yaml");

    // Then each problem is one line naming the file and line, in file order, and no policy is built
    assertEquals(null, checked.policy());
    assertEquals(java.util.List.of(2, 4, 6, 7, 9, 11), checked.problems().stream().map(PolicyFile.PolicyProblem::line).toList(),
        checked.problems().toString());
    java.util.List<String> messages = checked.problems().stream().map(PolicyFile.PolicyProblem::message).toList();
    assertTrue(messages.get(0).startsWith("p.yaml:2: classes.A would loosen 'exfiltrate_secrets'"), messages.get(0));
    assertTrue(messages.get(1).startsWith("p.yaml:4: tenants.acme.A: tenant rules may only tighten"), messages.get(1));
    assertTrue(messages.get(2).startsWith("p.yaml:6: approvals.default_deadline must be an ISO-8601 duration"), messages.get(2));
    assertTrue(messages.get(3).startsWith("p.yaml:7: unknown key 'quorom' in approvals"), messages.get(3));
    assertTrue(messages.get(4).startsWith("p.yaml:9: approvals.actions.create_charge.quorum must be at least 1"), messages.get(4));
    assertTrue(messages.get(5).startsWith("p.yaml:11: duplicate key 'limits' (first at line 10)"), messages.get(5));
    messages.forEach(m -> assertEquals(1, m.lines().count(), m));
  }

  @Test
  void aGoodFileChecksCleanAndParseStillStopsAtTheFirstProblem() {
    assertTrue(PolicyFile.check("classes:\n  A: [score_lead]\n", "p").ok());
    PolicyException first = assertThrows(PolicyException.class, () -> PolicyFile.parse("clases: {}\nlimits: { max: 1 }\n"));
    assertTrue(first.getMessage().contains(":1: unknown policy key 'clases'"), first.getMessage());
  }

  @Test
  void aDeclaredVersionLabelsTheHashWithoutReplacingIt() {
    Policy labelled = PolicyFile.parse("version: 2026-12-01.1\nclasses:\n  A: [score_lead]\n");
    Policy same = PolicyFile.parse("classes:\n  A: [score_lead]\n");
    Policy changed = PolicyFile.parse("version: 2026-12-01.1\nclasses:\n  A: [score_lead, score_deal]\n");

    assertEquals("2026-12-01.1@" + same.version(), labelled.version());
    assertEquals(same.contentHash(), labelled.contentHash());
    assertNotEquals(labelled.version(), changed.version(), "the same label on other content is another version");
    assertTrue(assertThrows(PolicyException.class, () -> PolicyFile.parse("version: 'v 1'\n")).getMessage()
        .contains(":1: version must be 1 to 40 letters"));
  }
}
