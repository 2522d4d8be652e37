package io.fabric.policy.breakers;

import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Approvers and breakers shared by the breaker tests. */
public final class BreakerFixtures {
  public static final KeyPair OPS_KEYS = ApproverKeys.newKeyPair();
  public static final KeyPair ACME_ONLY_KEYS = ApproverKeys.newKeyPair();
  public static final KeyPair MALLORY_KEYS = ApproverKeys.newKeyPair();
  /** May reset any tenant's breakers. */
  public static final Approver OPS = new Approver("ops", OPS_KEYS.getPublic(), Set.of(BreakerResetVerifier.RESET_ACTION), Set.of("*"));
  /** May approve anything, but only for acme. */
  public static final Approver ACME_ONLY = new Approver("acme-lead", ACME_ONLY_KEYS.getPublic(), Set.of("*"), Set.of("acme"));
  public static final Map<String, Approver> APPROVERS = Map.of(OPS.name(), OPS, ACME_ONLY.name(), ACME_ONLY);
  public static final BreakerResetVerifier VERIFIER = new BreakerResetVerifier(name -> Optional.ofNullable(APPROVERS.get(name)));

  public static final BreakerRule C_ATTEMPTS = new BreakerRule("c-attempts", BreakerRule.Scope.SUBMITTER,
      BreakerRule.Measure.CLASS_C_ATTEMPTS, null, 3, Duration.ofMinutes(10), true);
  public static final BreakerRule SPEND = new BreakerRule("spend", BreakerRule.Scope.TENANT, BreakerRule.Measure.SPEND, "amount", 1000,
      Duration.ofHours(1), false);

  private BreakerFixtures() {}

  public static BreakerTrip trip(String scope, String tenant, String id) {
    return new BreakerTrip(id, scope, tenant, C_ATTEMPTS.name(), C_ATTEMPTS.describe(), 3, 1_000L, true);
  }
}
