package io.fabric.policy;

import java.time.Duration;
import java.util.Optional;

/**
 * Whether a shadow policy would have decided a request otherwise than the active one: each verdict
 * as the outcome a person reads ({@code ROUTED}, {@code PENDING_APPROVAL quorum 2 deadline PT2H},
 * {@code BLOCKED FORBIDDEN}, ...), and a difference when the two read differently. Kafka-free.
 */
public final class ShadowComparison {
  private ShadowComparison() {}

  /** The outcome a verdict stands for. */
  public static String outcome(Verdict verdict) {
    if (verdict instanceof Verdict.Route) {
      return "ROUTED";
    }
    if (verdict instanceof Verdict.Pend pend) {
      return "PENDING_APPROVAL quorum " + pend.pending().getApprovalsNeeded() + " deadline "
          + Duration.ofMillis(pend.pending().getDeadline() - pend.pending().getPendingSince());
    }
    if (verdict instanceof Verdict.Block block) {
      return "BLOCKED " + block.reason();
    }
    if (verdict instanceof Verdict.Refuse) {
      return "REFUSED";
    }
    return "UNCHANGED";
  }

  /** The detail of a difference, or empty when both verdicts read the same. */
  public static Optional<String> difference(Verdict active, String activeVersion, Verdict shadow, String shadowVersion) {
    String is = outcome(active);
    String would = outcome(shadow);
    if (is.equals(would)) {
      return Optional.empty();
    }
    return Optional.of("shadow policy " + shadowVersion + " would give " + would + "; active policy " + activeVersion + " gave " + is);
  }
}
