package io.fabric.policy;

import java.time.Duration;
import java.util.Map;

/**
 * How long a class-B request may wait for approval, when to warn, and how many distinct approvers
 * each action needs.
 */
public record ApprovalRules(Duration defaultDeadline, double slaWarningFraction, Map<String, Duration> deadlines,
                            Map<String, Integer> quorums) {
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
  }

  public Duration deadlineFor(String action) {
    return deadlines.getOrDefault(action, defaultDeadline);
  }

  public int quorumFor(String action) {
    return quorums.getOrDefault(action, 1);
  }
}
