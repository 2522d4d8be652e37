package io.fabric.policy;

import io.fabric.policy.approvals.SignedTokenVerifier;
import java.time.Duration;
import java.util.Map;

/**
 * How long a class-B request may wait for approval, when to warn, how many distinct approvers
 * each action needs, and how long an approval token may live at most.
 *
 * <p>The maximum token lifetime bounds how long a leaked but unused token stays dangerous, whatever
 * lifetime its signer chose; it has a hard cap ({@link #MAX_TOKEN_LIFETIME_CAP}) so no policy can
 * turn approvals into long-lived credentials.
 */
public record ApprovalRules(Duration defaultDeadline, double slaWarningFraction, Map<String, Duration> deadlines,
                            Map<String, Integer> quorums, Duration maxTokenLifetime) {
  /** The longest {@code approvals.max_token_lifetime} a policy may set. */
  public static final Duration MAX_TOKEN_LIFETIME_CAP = Duration.ofHours(24);
  /** {@code approvals.max_token_lifetime} when a policy does not set it. */
  public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = SignedTokenVerifier.DEFAULT_MAX_TOKEN_LIFETIME;

  public static final ApprovalRules DEFAULT = new ApprovalRules(Duration.ofHours(24), 0.8, Map.of(), Map.of());

  public ApprovalRules {
    if (slaWarningFraction <= 0 || slaWarningFraction >= 1) {
      throw new PolicyException("approvals.sla_warning_fraction must be between 0 and 1, got " + slaWarningFraction);
    }
    deadlines = Map.copyOf(deadlines);
    quorums = Map.copyOf(quorums);
    quorums.forEach((action, n) -> {
      if (n < 1) {
        throw new PolicyException("approvals.actions." + action + ".quorum must be at least 1, got " + n);
      }
    });
    requireValidMaxTokenLifetime(maxTokenLifetime);
  }

  /** Rules with the default maximum token lifetime. */
  public ApprovalRules(Duration defaultDeadline, double slaWarningFraction, Map<String, Duration> deadlines,
                       Map<String, Integer> quorums) {
    this(defaultDeadline, slaWarningFraction, deadlines, quorums, DEFAULT_MAX_TOKEN_LIFETIME);
  }

  /**
   * @throws PolicyException when {@code lifetime} is missing, not positive or over {@link #MAX_TOKEN_LIFETIME_CAP}
   */
  static void requireValidMaxTokenLifetime(Duration lifetime) {
    if (lifetime == null || lifetime.isNegative() || lifetime.isZero()) {
      throw new PolicyException("approvals.max_token_lifetime must be positive, got " + lifetime);
    }
    if (lifetime.compareTo(MAX_TOKEN_LIFETIME_CAP) > 0) {
      throw new PolicyException("approvals.max_token_lifetime " + lifetime + " is longer than the hard cap " + MAX_TOKEN_LIFETIME_CAP
          + ": an approval token must not outlive a day");
    }
  }

  public Duration deadlineFor(String action) {
    return deadlines.getOrDefault(action, defaultDeadline);
  }

  public int quorumFor(String action) {
    return quorums.getOrDefault(action, 1);
  }

  /** The longest any request may wait for approval under these rules. */
  public Duration longestDeadline() {
    return deadlines.values().stream().reduce(defaultDeadline, (a, b) -> a.compareTo(b) >= 0 ? a : b);
  }
}
