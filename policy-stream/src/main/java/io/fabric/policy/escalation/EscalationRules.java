package io.fabric.policy.escalation;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Who hears about a request waiting for approval, and when: approver groups (each a list of
 * notification targets through the fabric's plugins) and escalation chains (per action, or the
 * default for class B). The first group of a chain is notified when the request starts waiting, the
 * second at the SLA warning; the deadline then expires it, fail closed, as without a chain.
 */
public record EscalationRules(Map<String, List<Target>> groups, List<String> defaultChain, Map<String, List<String>> chains) {
  public static final EscalationRules NONE = new EscalationRules(Map.of(), List.of(), Map.of());

  /** Plugins a notification may go through, and the action each runs: a send of the plugin's own kind. */
  public static final Map<String, String> PLUGIN_ACTIONS = Map.of("email", "send_email", "whatsapp", "send_whatsapp", "webhook", "webhook");

  /** One notification target: a plugin and the payload fields it is sent with (e.g. {@code to}). */
  public record Target(String plugin, Map<String, String> fields) {
    public Target {
      fields = Map.copyOf(new TreeMap<>(fields));
    }

    public String action() {
      return PLUGIN_ACTIONS.get(plugin);
    }
  }

  public EscalationRules {
    Map<String, List<Target>> copy = new TreeMap<>();
    groups.forEach((g, targets) -> copy.put(g, List.copyOf(targets)));
    groups = Map.copyOf(copy);
    defaultChain = List.copyOf(defaultChain);
    Map<String, List<String>> chainCopy = new TreeMap<>();
    chains.forEach((a, c) -> chainCopy.put(a, List.copyOf(c)));
    chains = Map.copyOf(chainCopy);
  }

  public boolean isEmpty() {
    return groups.isEmpty() && defaultChain.isEmpty() && chains.isEmpty();
  }

  /** The chain of groups for an action: its own, or the default. */
  public List<String> chainFor(String action) {
    return chains.getOrDefault(action, defaultChain);
  }

  /** The group notified at {@code step} (0: when the request starts waiting, 1: at the SLA warning), if the chain is that long. */
  public Optional<String> groupAt(String action, int step) {
    List<String> chain = chainFor(action);
    return step < chain.size() ? Optional.of(chain.get(step)) : Optional.empty();
  }

  /** For the policy's version hash. */
  public String canonical() {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(groups).forEach((g, targets) -> targets.forEach(t -> text.append("group ").append(g).append(' ').append(t.plugin())
        .append(' ').append(t.fields().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","))).append('\n')));
    text.append("escalation default ").append(String.join(",", defaultChain)).append('\n');
    new TreeMap<>(chains).forEach((a, c) -> text.append("escalation ").append(a).append(' ').append(String.join(",", c)).append('\n'));
    return text.toString();
  }
}
