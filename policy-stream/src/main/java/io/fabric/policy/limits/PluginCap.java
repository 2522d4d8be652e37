package io.fabric.policy.limits;

import java.util.Set;
import java.util.TreeSet;

/**
 * A vendor API's own limit on one plugin, over every tenant ({@code limits.plugins}): calls started
 * per window and calls in flight. The policy names the actions the plugin runs, since the gate does
 * not load plugins. Shared fairly: see {@link FairShare}.
 */
public record PluginCap(String plugin, Set<String> actions, LimitRule.Rate calls, Integer inFlight) {
  public static final Set<String> KEYS = Set.of("actions", "calls", "in_flight");
  /** How many tasks of one plugin may wait for its cap, over every tenant. */
  public static final int MAX_HELD = 10_000;

  public PluginCap {
    actions = Set.copyOf(actions);
  }

  /** The cap as one budget for everyone, counted by {@link LimitLedger} like a rule. */
  public LimitRule asRule() {
    return new LimitRule("plugin:" + plugin, LimitRule.Scope.GLOBAL, null, actions, Set.of(), calls, inFlight, LimitRule.OnLimit.WAIT, MAX_HELD);
  }

  public String describe() {
    return plugin + ": actions " + new TreeSet<>(actions) + (calls == null ? "" : ", " + calls) + (inFlight == null ? "" : ", in flight " + inFlight);
  }
}
