package io.fabric.policy.breakers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.Policy;
import io.fabric.policy.PolicyFile;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The policy's breakers: section, read strictly with line numbers like the rest of the file. */
class BreakersPolicyFileTest {
  @Test
  void breakersAreReadInFileOrderAndChangeTheVersion() {
    Policy policy = PolicyFile.parse("""
        breakers:
          c-attempts: { per: submitter, measure: class_c_attempts, threshold: 5, window: PT10M }
          big-spend: { per: tenant, measure: spend, field: amount, threshold: 10000.5, window: PT1H, then: block }
        """);
    List<BreakerRule> rules = policy.breakers().rules();
    assertEquals(2, rules.size());
    assertEquals(new BreakerRule("c-attempts", BreakerRule.Scope.SUBMITTER, BreakerRule.Measure.CLASS_C_ATTEMPTS, null, 5,
        Duration.ofMinutes(10), true), rules.get(0));
    assertEquals(new BreakerRule("big-spend", BreakerRule.Scope.TENANT, BreakerRule.Measure.SPEND, "amount", 10000.5,
        Duration.ofHours(1), false), rules.get(1));
    assertNotEquals(Policy.defaults().version(), policy.version());
    assertEquals(Policy.defaults().version(), PolicyFile.parse("breakers: {}\n").version(), "no breakers: the version stays");
  }

  @Test
  void everyProblemIsReportedWithItsLine() {
    PolicyFile.Checked checked = PolicyFile.check("""
        breakers:
          ok: { per: tenant, measure: dead_letters, threshold: 2, window: PT5M }
          bad:
            per: team
            measure: class_c_attempts
            threshold: 2.5
            window: ten minutes
            then: shout
            treshold: 3
          spendy: { per: tenant, measure: spend, threshold: 10, window: PT1H }
          Bad Name: { per: tenant, measure: security_events, threshold: 1, window: PT1M, field: amount }
        """, "policy file p.yaml");
    List<String> lines = checked.problems().stream().map(PolicyFile.PolicyProblem::message).toList();
    assertTrue(lines.contains("policy file p.yaml:4: breakers.bad.per must be tenant or submitter, got 'team'"), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:6: breakers.bad.threshold must be a positive whole number, got 2.5"), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("policy file p.yaml:7: breakers.bad.window must be an ISO-8601 duration")), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:8: breakers.bad.then must be hold or block, got 'shout'"), lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("policy file p.yaml:9: unknown key 'treshold' in breakers.bad")), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:10: breakers.spendy: measure spend needs field, the payload field to sum (e.g. amount)"),
        lines.toString());
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("policy file p.yaml:11: breakers.Bad Name: a breaker name")), lines.toString());
    assertTrue(lines.contains("policy file p.yaml:11: breakers.Bad Name.field is only for measure spend"), lines.toString());
    assertEquals(8, lines.size(), lines.toString());
  }
}
