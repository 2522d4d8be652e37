package io.fabric.policy.limits;

import io.fabric.policy.ActionClass;
import java.util.List;

/**
 * The policy's request limits ({@code limits.rules}), in file order. Immutable; {@link #NONE} when the
 * policy declares none, so a policy without limits keeps its version.
 */
public record Limits(List<LimitRule> rules, java.util.Map<String, PluginCap> plugins) {
  public static final Limits NONE = new Limits(List.of(), java.util.Map.of());

  public Limits {
    rules = List.copyOf(rules);
    plugins = java.util.Map.copyOf(plugins);
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
    return text.toString();
  }
}
