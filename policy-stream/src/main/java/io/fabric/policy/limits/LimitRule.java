package io.fabric.policy.limits;

import io.fabric.policy.ActionClass;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * One named rule of the policy's {@code limits.rules}: which requests it counts (a class, a list of
 * actions, or every action; some tenants or all), whose budget it is (each tenant's, or each
 * submitter's within a tenant), how many may start per window and how many may be in flight at once,
 * and what happens to a request over it.
 *
 * @param rate null when the rule does not limit the rate
 * @param inFlight null when the rule does not limit concurrency
 * @param maxHeld how many requests of one budget may wait; one more is blocked {@code RATE_LIMITED}, so a flood
 *     cannot grow the held store (and the work of each release pass) without bound
 */
public record LimitRule(String name, Scope per, ActionClass actionClass, Set<String> actions, Set<String> tenants, Rate rate,
                        Integer inFlight, OnLimit onLimit, int maxHeld) {
  /** The default {@code max_held}. */
  public static final int DEFAULT_MAX_HELD = 1000;

  /** A rule with the default {@code max_held}. */
  public LimitRule(String name, Scope per, ActionClass actionClass, Set<String> actions, Set<String> tenants, Rate rate,
                   Integer inFlight, OnLimit onLimit) {
    this(name, per, actionClass, actions, tenants, rate, inFlight, onLimit, DEFAULT_MAX_HELD);
  }

  /** Whose budget a rule counts; GLOBAL (one budget for everyone) only for a plugin's cap ({@link PluginCap#asRule}). */
  public enum Scope { TENANT, SUBMITTER, GLOBAL }

  /** What happens to a request over its limit: it waits in order, or it is blocked {@code RATE_LIMITED}. */
  public enum OnLimit { WAIT, BLOCK }

  /** The submitter name a per-submitter rule counts an unsigned request under. */
  public static final String NO_SUBMITTER = "-";

  /** {@code requests} may start per {@code per}, refilled evenly; up to {@code burst} at once after a quiet spell. */
  public record Rate(int requests, Duration per, int burst) {
    public Rate {
      if (requests < 1 || per.isNegative() || per.isZero() || burst < 1) {
        throw new IllegalArgumentException("a rate needs requests >= 1, a positive window and burst >= 1");
      }
    }

    /** Tokens added per millisecond. */
    double perMilli() {
      return requests / (double) per.toMillis();
    }

    @Override
    public String toString() {
      return requests + " per " + per + " (burst " + burst + ")";
    }
  }

  public LimitRule {
    actions = Set.copyOf(actions);
    tenants = Set.copyOf(tenants);
  }

  /** Whether this rule counts a request of {@code tenant} for {@code action}, which the policy puts in {@code actualClass}. */
  public boolean appliesTo(String tenant, String action, ActionClass actualClass) {
    return (tenants.isEmpty() || tenants.contains(tenant))
        && (actionClass == null || actionClass == actualClass)
        && (actions.isEmpty() || actions.contains(action));
  }

  /** The budget a request draws on: {@code rule|tenant}, or {@code rule|tenant|submitter} for a per-submitter rule. */
  public String budgetOf(String tenant, String submitter) {
    if (per == Scope.GLOBAL) {
      return name;
    }
    return name + "|" + tenant + (per == Scope.SUBMITTER ? "|" + (submitter == null || submitter.isBlank() ? NO_SUBMITTER : submitter) : "");
  }

  /** One line for explain and the policy's content hash, e.g. {@code agents: per submitter, class A, 5 per PT1S (burst 10), in flight 3, wait}. */
  public String describe() {
    StringBuilder text = new StringBuilder(name).append(": per ").append(per.name().toLowerCase(Locale.ROOT));
    if (actionClass != null) {
      text.append(", class ").append(actionClass);
    }
    if (!actions.isEmpty()) {
      text.append(", actions ").append(new TreeSet<>(actions));
    }
    if (!tenants.isEmpty()) {
      text.append(", tenants ").append(new TreeSet<>(tenants));
    }
    if (rate != null) {
      text.append(", ").append(rate);
    }
    if (inFlight != null) {
      text.append(", in flight ").append(inFlight);
    }
    text.append(", ").append(onLimit.name().toLowerCase(Locale.ROOT));
    if (maxHeld != DEFAULT_MAX_HELD) {
      text.append(" (at most ").append(maxHeld).append(" held)");
    }
    return text.toString();
  }
}
