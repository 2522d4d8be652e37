package io.fabric.agents.router;

import io.fabric.agents.definition.AgentDefinition.ModelPreference;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which providers serve a call, in the order they are tried. The first rule whose agent and tenant
 * match (either may be {@code *}) decides alone: a rule can keep a tenant on a local model, so its
 * list is never extended. Without a matching rule, the agent's preferences come first and then every
 * other configured provider in configuration order, so there is always somewhere to fall back to.
 *
 * <p>Written {@code AGENT@TENANT=p1,p2; AGENT@TENANT=p3} ({@code fabric.agents.routes}).
 */
public record RoutingRules(List<Rule> rules) {
  /** One rule: calls of {@code agent} for {@code tenant} go to {@code providers}, in order. */
  public record Rule(String agent, String tenant, List<String> providers) {
    boolean matches(String agentName, String tenantId) {
      return ("*".equals(agent) || agent.equals(agentName)) && ("*".equals(tenant) || tenant.equals(tenantId));
    }

    @Override
    public String toString() {
      return agent + "@" + tenant + "=" + String.join(",", providers);
    }
  }

  public static final RoutingRules NONE = new RoutingRules(List.of());

  public RoutingRules {
    rules = List.copyOf(rules);
  }

  /** Parses {@code AGENT@TENANT=p1,p2; ...}; blank is no rules. */
  public static RoutingRules parse(String text) {
    List<Rule> rules = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return NONE;
    }
    for (String entry : text.split(";")) {
      String rule = entry.strip();
      if (rule.isEmpty()) {
        continue;
      }
      int at = rule.indexOf('@');
      int eq = rule.indexOf('=');
      if (at <= 0 || eq <= at + 1 || eq == rule.length() - 1) {
        throw new IllegalArgumentException("routing rule '" + rule + "' is not AGENT@TENANT=PROVIDER[,PROVIDER...]");
      }
      List<String> providers = new ArrayList<>();
      for (String p : rule.substring(eq + 1).split(",")) {
        if (!p.isBlank()) {
          providers.add(p.strip());
        }
      }
      rules.add(new Rule(rule.substring(0, at).strip(), rule.substring(at + 1, eq).strip(), List.copyOf(providers)));
    }
    return new RoutingRules(rules);
  }

  /**
   * The providers to try for {@code agent} and {@code tenant}, in order, among {@code configured}
   * (names no provider has are dropped: a rule naming an unconfigured provider must not fail calls).
   */
  public List<String> chain(String agent, String tenant, List<ModelPreference> preferences, List<String> configured) {
    Set<String> chain = new LinkedHashSet<>();
    for (Rule rule : rules) {
      if (rule.matches(agent, tenant)) {
        rule.providers().stream().filter(configured::contains).forEach(chain::add);
        return List.copyOf(chain);
      }
    }
    preferences.stream().map(ModelPreference::provider).filter(configured::contains).forEach(chain::add);
    chain.addAll(configured);
    return List.copyOf(chain);
  }

  @Override
  public String toString() {
    return String.join("; ", rules.stream().map(Rule::toString).toList());
  }
}
