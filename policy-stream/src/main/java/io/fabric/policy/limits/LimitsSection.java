package io.fabric.policy.limits;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.policy.ActionClass;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads {@code limits.rules} of a policy file, reporting each problem at the key it is about so
 * {@code policy check} can name the line:
 *
 * <pre>
 * limits:
 *   rules:
 *     agents:                      # the rule's name: its budgets and explain/diff name it
 *       per: submitter             # tenant (default): one budget per tenant; submitter: one per submitter within a tenant
 *       class: A                   # or actions: [summarize, tag]; neither: every action
 *       tenants: [acme]            # optional: only these tenants (each still has its own budget)
 *       rate: { requests: 5, per: PT1S, burst: 10 }
 *       in_flight: 3               # released to routed and not yet final
 *       on_limit: wait             # wait (default): held in order until allowed; block: BLOCKED RATE_LIMITED
 *       max_held: 1000             # per budget (default 1000): one more waiting request is blocked RATE_LIMITED instead
 *   slot_lease: PT2H               # default: a slot (rules and plugin caps) not freed by a final status by then is reclaimed
 * </pre>
 */
public final class LimitsSection {
  public static final Set<String> RULE_KEYS = Set.of("per", "class", "actions", "tenants", "rate", "in_flight", "on_limit", "max_held");
  /** Shorter would reclaim the slots of calls still running: a lease bounds a lost status, not a call. */
  public static final Duration MIN_SLOT_LEASE = Duration.ofMinutes(1);
  private static final Set<String> RATE_KEYS = Set.of("requests", "per", "burst");
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  /** Where a problem is and what it is; the caller turns it into {@code FILE:LINE: reason}. */
  public interface Problems {
    void at(JsonPointer where, String problem);
  }

  private final JsonNode root;
  private final Problems problems;

  private LimitsSection(JsonNode root, Problems problems) {
    this.root = root;
    this.problems = problems;
  }

  /**
   * The rules and plugin caps under {@code limits} (the {@code limits} mapping) of {@code root}; a rule or cap with a
   * problem is left out.
   */
  public static Limits read(JsonNode root, JsonPointer limits, Problems problems) {
    LimitsSection section = new LimitsSection(root, problems);
    return new Limits(section.rules(limits.appendProperty("rules")), section.plugins(limits.appendProperty("plugins")),
        section.slotLease(limits.appendProperty("slot_lease")));
  }

  /**
   * {@code limits.slot_lease}: how long a concurrency slot may stay taken before the stage reclaims
   * it (audit {@code SLOT_RECLAIMED}); the backstop for a final status that never comes. Null (the
   * default) when absent or wrong.
   */
  private Duration slotLease(JsonPointer at) {
    JsonNode node = root.at(at);
    if (node.isMissingNode() || node.isNull()) {
      return null;
    }
    Duration lease;
    try {
      lease = node.isTextual() ? Duration.parse(node.asText()) : null;
    } catch (DateTimeParseException e) {
      lease = null;
    }
    if (lease == null || lease.compareTo(MIN_SLOT_LEASE) < 0) {
      report(at, "limits.slot_lease must be an ISO-8601 duration of at least " + MIN_SLOT_LEASE + " such as PT2H (longer than the "
          + "longest job deadline of a limited plugin), got '" + node.asText() + "'");
      return null;
    }
    return lease;
  }

  private Map<String, PluginCap> plugins(JsonPointer at) {
    JsonNode node = root.at(at);
    Map<String, PluginCap> caps = new java.util.TreeMap<>();
    if (node.isMissingNode() || node.isNull()) {
      return caps;
    }
    if (!node.isObject()) {
      report(at, "limits.plugins must be a mapping of plugin names to caps");
      return caps;
    }
    Map<String, String> capOf = new java.util.HashMap<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonPointer capAt = at.appendProperty(e.getKey());
      String where = "limits.plugins." + e.getKey();
      int before = count;
      if (!e.getValue().isObject()) {
        report(capAt, where + " must be a mapping with keys " + new TreeSet<>(PluginCap.KEYS));
        continue;
      }
      e.getValue().properties().forEach(f -> {
        if (!PluginCap.KEYS.contains(f.getKey())) {
          report(capAt.appendProperty(f.getKey()), "unknown key '" + f.getKey() + "' in " + where + "; expected " + String.join(", ", new TreeSet<>(PluginCap.KEYS)));
        }
      });
      Set<String> actions = names(capAt.appendProperty("actions"), e.getValue().get("actions"), where + ".actions");
      if (!e.getValue().has("actions")) {
        report(capAt, where + ".actions is required: the actions the plugin runs");
      }
      for (String action : actions) {
        String other = capOf.putIfAbsent(action, e.getKey());
        if (other != null) {
          report(capAt.appendProperty("actions"), where + ".actions: " + action + " is already capped by limits.plugins." + other);
        }
      }
      LimitRule.Rate calls = e.getValue().has("calls") ? rate(capAt.appendProperty("calls"), e.getValue().get("calls"), where + ".calls") : null;
      Integer inFlight = e.getValue().has("in_flight") ? positive(capAt.appendProperty("in_flight"), e.getValue().get("in_flight"), where + ".in_flight") : null;
      if (!e.getValue().has("calls") && !e.getValue().has("in_flight")) {
        report(capAt, where + " caps nothing: give calls, in_flight or both");
      }
      if (count == before) {
        caps.put(e.getKey(), new PluginCap(e.getKey(), actions, calls, inFlight));
      }
    }
    return caps;
  }

  private List<LimitRule> rules(JsonPointer at) {
    JsonNode node = root.at(at);
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (!node.isObject()) {
      report(at, "limits.rules must be a mapping of rule names to rules");
      return List.of();
    }
    List<LimitRule> rules = new ArrayList<>();
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      LimitRule rule = rule(at.appendProperty(e.getKey()), e.getKey(), e.getValue());
      if (rule != null) {
        rules.add(rule);
      }
    }
    return rules;
  }

  private LimitRule rule(JsonPointer at, String name, JsonNode node) {
    String where = "limits.rules." + name;
    int before = count;
    if (!NAME.matcher(name).matches()) {
      report(at, where + ": a rule name uses letters, digits, '.', '_' and '-' (at most 64)");
    }
    if (!node.isObject()) {
      report(at, where + " must be a mapping with keys " + new TreeSet<>(RULE_KEYS));
      return null;
    }
    node.properties().forEach(f -> {
      if (!RULE_KEYS.contains(f.getKey())) {
        report(at.appendProperty(f.getKey()), "unknown key '" + f.getKey() + "' in " + where + "; expected " + String.join(", ", new TreeSet<>(RULE_KEYS)));
      }
    });
    LimitRule.Scope per = choice(at, node, "per", LimitRule.Scope.class, LimitRule.Scope.TENANT, where);
    if (per == LimitRule.Scope.GLOBAL) {
      report(at.appendProperty("per"), where + ".per must be one of [tenant, submitter], got 'global'; a cap over every tenant is limits.plugins");
    }
    LimitRule.OnLimit onLimit = choice(at, node, "on_limit", LimitRule.OnLimit.class, LimitRule.OnLimit.WAIT, where);
    ActionClass actionClass = null;
    if (node.has("class")) {
      actionClass = choice(at, node, "class", ActionClass.class, null, where);
      if (actionClass == ActionClass.C) {
        report(at.appendProperty("class"), where + ".class C never runs, so it has nothing to limit; use A or B");
      }
    }
    Set<String> actions = names(at.appendProperty("actions"), node.get("actions"), where + ".actions");
    Set<String> tenants = names(at.appendProperty("tenants"), node.get("tenants"), where + ".tenants");
    if (actionClass != null && !actions.isEmpty()) {
      report(at.appendProperty("actions"), where + ": give class or actions, not both");
    }
    LimitRule.Rate rate = node.has("rate") ? rate(at.appendProperty("rate"), node.get("rate"), where + ".rate") : null;
    Integer inFlight = node.has("in_flight") ? positive(at.appendProperty("in_flight"), node.get("in_flight"), where + ".in_flight") : null;
    if (!node.has("rate") && !node.has("in_flight")) {
      report(at, where + " limits nothing: give rate, in_flight or both");
    }
    Integer maxHeld = node.has("max_held") ? positive(at.appendProperty("max_held"), node.get("max_held"), where + ".max_held")
        : Integer.valueOf(LimitRule.DEFAULT_MAX_HELD);
    return count == before ? new LimitRule(name, per, actionClass, actions, tenants, rate, inFlight, onLimit, maxHeld) : null;
  }

  private int count;

  private void report(JsonPointer at, String problem) {
    count++;
    problems.at(at, problem);
  }

  private <E extends Enum<E>> E choice(JsonPointer at, JsonNode rule, String key, Class<E> type, E otherwise, String where) {
    JsonNode value = rule.get(key);
    if (value == null || value.isNull()) {
      return otherwise;
    }
    List<String> allowed = java.util.Arrays.stream(type.getEnumConstants()).filter(c -> c != LimitRule.Scope.GLOBAL)
        .map(c -> c.name().toLowerCase(Locale.ROOT)).toList();
    String text = value.asText().toLowerCase(Locale.ROOT);
    if (!value.isTextual() || !allowed.contains(text)) {
      report(at.appendProperty(key), where + "." + key + " must be one of " + allowed + ", got '" + value.asText() + "'");
      return otherwise;
    }
    return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
  }

  private Set<String> names(JsonPointer at, JsonNode node, String where) {
    Set<String> names = new LinkedHashSet<>();
    if (node == null || node.isNull()) {
      return names;
    }
    if (!node.isArray() || node.isEmpty()) {
      report(at, where + " must be a non-empty list of names");
      return names;
    }
    node.forEach(n -> names.add(n.asText()));
    return names;
  }

  private LimitRule.Rate rate(JsonPointer at, JsonNode node, String where) {
    if (!node.isObject()) {
      report(at, where + " must be a mapping such as { requests: 5, per: PT1S, burst: 10 }");
      return null;
    }
    node.properties().forEach(f -> {
      if (!RATE_KEYS.contains(f.getKey())) {
        report(at.appendProperty(f.getKey()), "unknown key '" + f.getKey() + "' in " + where + "; expected " + String.join(", ", new TreeSet<>(RATE_KEYS)));
      }
    });
    if (!node.has("requests")) {
      report(at, where + ".requests is required");
      return null;
    }
    Integer requests = positive(at.appendProperty("requests"), node.get("requests"), where + ".requests");
    Duration per = Duration.ofSeconds(1);
    if (node.has("per")) {
      try {
        per = Duration.parse(node.get("per").asText());
      } catch (DateTimeParseException e) {
        per = null;
      }
      if (per == null || per.isNegative() || per.toMillis() < 1) {
        report(at.appendProperty("per"), where + ".per must be a positive ISO-8601 duration such as PT1S or PT1M, got '" + node.get("per").asText() + "'");
        return null;
      }
    }
    Integer burst = node.has("burst") ? positive(at.appendProperty("burst"), node.get("burst"), where + ".burst") : requests;
    if (requests == null || burst == null) {
      return null;
    }
    return new LimitRule.Rate(requests, per, burst);
  }

  private Integer positive(JsonPointer at, JsonNode node, String where) {
    if (node == null || !node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1) {
      report(at, where + " must be a whole number of at least 1, got " + (node == null ? "nothing" : node.asText()));
      return null;
    }
    return node.asInt();
  }
}
