package io.fabric.policy.breakers;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * One breaker of the policy's {@code breakers:} section: pause every request of a tenant or a
 * submitter once a windowed measure reaches a threshold, e.g. 5 class-C attempts in 10 minutes.
 *
 * @param field for {@link Measure#SPEND} only: the payload field summed, e.g. {@code amount}
 * @param hold whether paused requests are held until a reset (then judged again) or blocked at once
 */
public record BreakerRule(String name, Scope scope, Measure measure, String field, double threshold, Duration window, boolean hold) {
  /** Whose requests a breaker pauses: every request naming that tenant, or that submitter. */
  public enum Scope {
    TENANT, SUBMITTER;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Scope> of(String text) {
      for (Scope s : values()) {
        if (s.wireName().equals(text)) {
          return Optional.of(s);
        }
      }
      return Optional.empty();
    }
  }

  /** What a breaker counts in its window. */
  public enum Measure {
    /** Requests the gate blocked FORBIDDEN (audit POLICY_VIOLATION). */
    CLASS_C_ATTEMPTS,
    /** Audit SECURITY_EVENTs naming the tenant or submitter. */
    SECURITY_EVENTS,
    /** Dead letters of the tenant's or submitter's requests. */
    DEAD_LETTERS,
    /** The sum of a payload field over the routed requests (what was allowed to run). */
    SPEND;

    public String wireName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Measure> of(String text) {
      for (Measure m : values()) {
        if (m.wireName().equals(text)) {
          return Optional.of(m);
        }
      }
      return Optional.empty();
    }
  }

  public BreakerRule {
    if (threshold <= 0 || !Double.isFinite(threshold)) {
      throw new IllegalArgumentException("breaker " + name + ": threshold must be positive, got " + threshold);
    }
    if (window == null || window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("breaker " + name + ": window must be positive, got " + window);
    }
    if ((measure == Measure.SPEND) != (field != null)) {
      throw new IllegalArgumentException("breaker " + name + ": field is required for measure spend and only for it");
    }
  }

  /** The key of the scope this rule pauses for a tenant or submitter name: {@code tenant:acme}, {@code submitter:billing-agent}. */
  public String scopeKey(String who) {
    return BreakerScopes.key(scope, who);
  }

  /** One line for audit events and the CLI: {@code c-attempts (class_c_attempts of a submitter >= 5 in PT10M, hold)}. */
  public String describe() {
    String amount = threshold == Math.rint(threshold) ? Long.toString((long) threshold) : Double.toString(threshold);
    return name + " (" + measure.wireName() + (field == null ? "" : " of payload." + field) + " per " + scope.wireName() + " >= " + amount
        + " in " + window + ", " + (hold ? "hold" : "block") + ")";
  }
}
