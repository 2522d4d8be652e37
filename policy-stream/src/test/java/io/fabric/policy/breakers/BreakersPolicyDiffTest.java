package io.fabric.policy.breakers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.policy.PolicyFile;
import io.fabric.policy.tooling.PolicyDiff;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code fabric policy diff} names each breaker and escalation chain that changes. */
class BreakersPolicyDiffTest {
  @Test
  void addedChangedAndRemovedBreakersAndChainsAreListed() {
    var before = PolicyFile.parse("""
        breakers:
          c-attempts: { per: submitter, measure: class_c_attempts, threshold: 5, window: PT10M }
        approver_groups:
          finance: { notify: [ { plugin: email, to: f@acme.test } ] }
        escalation: { default: [finance] }
        """);
    var after = PolicyFile.parse("""
        breakers:
          c-attempts: { per: submitter, measure: class_c_attempts, threshold: 3, window: PT10M }
          spend: { per: tenant, measure: spend, field: amount, threshold: 100, window: PT1H, then: block }
        approver_groups:
          finance: { notify: [ { plugin: email, to: f@acme.test } ] }
          cfo: { notify: [ { plugin: email, to: c@acme.test } ] }
        escalation: { default: [finance], actions: { create_charge: [finance, cfo] } }
        """);
    List<String> changes = PolicyDiff.between(before, after).stream().map(c -> c.what() + " " + c.action() + " " + c.from() + " -> " + c.to()).toList();
    assertEquals(List.of(
        "breakers.c-attempts null c-attempts (class_c_attempts per submitter >= 5 in PT10M, hold) -> c-attempts (class_c_attempts per submitter >= 3 in PT10M, hold)",
        "breakers.spend null none -> spend (spend of payload.amount per tenant >= 100 in PT1H, block)",
        "approver_groups.cfo null none -> [Target[plugin=email, fields={to=c@acme.test}]]",
        "escalation create_charge [finance] -> [finance, cfo]"), changes);
  }
}
