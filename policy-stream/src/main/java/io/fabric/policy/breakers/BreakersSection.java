package io.fabric.policy.breakers;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the policy's {@code breakers:} section, a mapping of breaker name to rule, and reports every
 * problem with the place it is at (the policy file turns places into line numbers):
 *
 * <pre>
 * breakers:
 *   c-attempts: { per: submitter, measure: class_c_attempts, threshold: 5, window: PT10M, then: hold }
 *   big-spend:  { per: tenant, measure: spend, field: amount, threshold: 10000, window: PT1H, then: block }
 * </pre>
 */
public final class BreakersSection {
  static final Set<String> KEYS = Set.of("per", "measure", "field", "threshold", "window", "then");
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
  private static final Pattern FIELD = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

  /** A problem at a place of the file. */
  public record Problem(JsonPointer at, String message) {}

  public record Result(BreakerRules rules, List<Problem> problems) {}

  private BreakersSection() {}

  /** @param at where the section is, e.g. {@code /breakers}; a missing or null node is no breakers */
  public static Result read(JsonNode node, JsonPointer at) {
    List<Problem> problems = new ArrayList<>();
    List<BreakerRule> rules = new ArrayList<>();
    if (node == null || node.isMissingNode() || node.isNull()) {
      return new Result(BreakerRules.NONE, problems);
    }
    if (!node.isObject()) {
      problems.add(new Problem(at, "breakers must be a mapping of breaker name to { per, measure, threshold, window, then }"));
      return new Result(BreakerRules.NONE, problems);
    }
    for (Map.Entry<String, JsonNode> e : node.properties()) {
      JsonPointer ruleAt = at.appendProperty(e.getKey());
      int before = problems.size();
      BreakerRule rule = rule(e.getKey(), e.getValue(), ruleAt, problems);
      if (rule != null && problems.size() == before) {
        rules.add(rule);
      }
    }
    return new Result(problems.isEmpty() ? new BreakerRules(rules) : BreakerRules.NONE, problems);
  }

  private static BreakerRule rule(String name, JsonNode node, JsonPointer at, List<Problem> problems) {
    String where = "breakers." + name;
    int before = problems.size();
    if (!NAME.matcher(name).matches()) {
      problems.add(new Problem(at, where + ": a breaker name is 1 to 40 lower-case letters, digits, '_' or '-'"));
    }
    if (!node.isObject()) {
      problems.add(new Problem(at, where + " must be a mapping with keys " + new TreeSet<>(KEYS)));
      return null;
    }
    for (Map.Entry<String, JsonNode> f : node.properties()) {
      if (!KEYS.contains(f.getKey())) {
        problems.add(new Problem(at.appendProperty(f.getKey()), "unknown key '" + f.getKey() + "' in " + where + "; expected "
            + String.join(", ", new TreeSet<>(KEYS))));
      }
    }
    BreakerRule.Scope scope = required(node, at, where, "per", problems) == null ? null : BreakerRule.Scope.of(node.get("per").asText())
        .orElseGet(() -> {
          problems.add(new Problem(at.appendProperty("per"), where + ".per must be tenant or submitter, got '" + node.get("per").asText() + "'"));
          return null;
        });
    BreakerRule.Measure measure = required(node, at, where, "measure", problems) == null ? null
        : BreakerRule.Measure.of(node.get("measure").asText()).orElseGet(() -> {
          problems.add(new Problem(at.appendProperty("measure"), where + ".measure must be one of "
              + Arrays.stream(BreakerRule.Measure.values()).map(BreakerRule.Measure::wireName).toList() + ", got '" + node.get("measure").asText() + "'"));
          return null;
        });
    String field = null;
    if (node.has("field")) {
      field = node.get("field").asText();
      if (measure != null && measure != BreakerRule.Measure.SPEND) {
        problems.add(new Problem(at.appendProperty("field"), where + ".field is only for measure spend"));
      } else if (!FIELD.matcher(field).matches()) {
        problems.add(new Problem(at.appendProperty("field"), where + ".field must name a top-level payload field (letters, digits, '_'), got '" + field + "'"));
      }
    } else if (measure == BreakerRule.Measure.SPEND) {
      problems.add(new Problem(at, where + ": measure spend needs field, the payload field to sum (e.g. amount)"));
    }
    Double threshold = null;
    if (required(node, at, where, "threshold", problems) != null) {
      JsonNode t = node.get("threshold");
      if (!t.isNumber() || t.asDouble() <= 0 || (measure != BreakerRule.Measure.SPEND && !t.isIntegralNumber())) {
        problems.add(new Problem(at.appendProperty("threshold"), where + ".threshold must be a positive "
            + (measure == BreakerRule.Measure.SPEND ? "number" : "whole number") + ", got " + t.asText()));
      } else {
        threshold = t.asDouble();
      }
    }
    Duration window = null;
    if (required(node, at, where, "window", problems) != null) {
      try {
        window = Duration.parse(node.get("window").asText());
        if (window.isNegative() || window.isZero() || window.compareTo(Duration.ofDays(7)) > 0) {
          problems.add(new Problem(at.appendProperty("window"), where + ".window must be positive and at most P7D, got " + window));
          window = null;
        }
      } catch (DateTimeParseException e) {
        problems.add(new Problem(at.appendProperty("window"), where + ".window must be an ISO-8601 duration such as PT10M, got '"
            + node.get("window").asText() + "'"));
      }
    }
    boolean hold = true;
    if (node.has("then")) {
      String then = node.get("then").asText();
      if (!then.equals("hold") && !then.equals("block")) {
        problems.add(new Problem(at.appendProperty("then"), where + ".then must be hold or block, got '" + then + "'"));
      }
      hold = !then.equals("block");
    }
    if (problems.size() > before || scope == null || measure == null || threshold == null || window == null) {
      return null;
    }
    return new BreakerRule(name, scope, measure, field, threshold, window, hold);
  }

  private static JsonNode required(JsonNode node, JsonPointer at, String where, String key, List<Problem> problems) {
    JsonNode value = node.get(key);
    if (value == null || value.isNull()) {
      problems.add(new Problem(at, where + " needs " + key));
      return null;
    }
    return value;
  }
}
