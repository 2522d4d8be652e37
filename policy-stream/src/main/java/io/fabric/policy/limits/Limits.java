package io.fabric.policy.limits;

import io.fabric.policy.ActionClass;
import java.time.Duration;
import java.util.List;

/**
 * The policy's request limits ({@code limits.rules}), in file order, its plugin caps, and how long a
 * concurrency slot may stay taken before it is reclaimed ({@code limits.slot_lease}). Immutable;
 * {@link #NONE} when the policy declares none, so a policy without limits keeps its version.
 */
public record Limits(List<LimitRule> rules, java.util.Map<String, PluginCap> plugins, Duration slotLease) {
  /**
   * A slot's lease unless the policy says otherwise: longer than a long-running job may run by default
   * ({@code LongRunningJobs#jobDeadline}, PT1H) plus the time its task waits in its plugin's topic, so a
   * live job's slot is not reclaimed; only a slot whose final status never comes is.
   */
  public static final Duration DEFAULT_SLOT_LEASE = Duration.ofHours(2);
  public static final Limits NONE = new Limits(List.of(), java.util.Map.of());

  public Limits {
    rules = List.copyOf(rules);
    plugins = java.util.Map.copyOf(plugins);
    slotLease = slotLease == null ? DEFAULT_SLOT_LEASE : slotLease;
  }

  public Limits(List<LimitRule> rules, java.util.Map<String, PluginCap> plugins) {
    this(rules, plugins, DEFAULT_SLOT_LEASE);
  }

  /** The cap of the plugin that runs {@code action}, if the policy caps it. */
  public java.util.Optional<PluginCap> capFor(String action) {
    return plugins.values().stream().filter(cap -> cap.actions().contains(action)).findFirst();
  }

  /** The rules that count a request, in file order. */
  public List<LimitRule> applying(String tenant, String action, ActionClass actionClass) {
    return rules.stream().filter(r -> r.appliesTo(tenant, action, actionClass)).toList();
  }

  public boolean isEmpty() {
    return rules.isEmpty() && plugins.isEmpty();
  }

  /** Stable text for the policy's content hash. */
  public String canonical() {
    StringBuilder text = new StringBuilder();
    rules.forEach(r -> text.append("limit ").append(r.describe()).append('\n'));
    new java.util.TreeMap<>(plugins).forEach((name, cap) -> text.append("plugin cap ").append(cap.describe()).append('\n'));
    if (!slotLease.equals(DEFAULT_SLOT_LEASE)) {
      // only when set: a policy that does not set it keeps the version it had before the key existed
      text.append("slot lease ").append(slotLease).append('\n');
    }
    return text.toString();
  }
}
