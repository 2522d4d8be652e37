package io.fabric.policy.breakers;

import java.util.List;
import java.util.stream.Collectors;

/** The policy's breakers, in file order; none by default. */
public record BreakerRules(List<BreakerRule> rules) {
  public static final BreakerRules NONE = new BreakerRules(List.of());

  public BreakerRules {
    rules = List.copyOf(rules);
  }

  public boolean isEmpty() {
    return rules.isEmpty();
  }

  public boolean measures(BreakerRule.Measure measure) {
    return rules.stream().anyMatch(r -> r.measure() == measure);
  }

  public java.util.Optional<BreakerRule> named(String name) {
    return rules.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  /** For the policy's version hash: one line per breaker. */
  public String canonical() {
    return rules.stream().map(r -> "breaker " + r.name() + " " + r.scope().wireName() + " " + r.measure().wireName() + " "
        + (r.field() == null ? "-" : r.field()) + " " + r.threshold() + " " + r.window() + " " + (r.hold() ? "hold" : "block") + "\n")
        .collect(Collectors.joining());
  }
}
