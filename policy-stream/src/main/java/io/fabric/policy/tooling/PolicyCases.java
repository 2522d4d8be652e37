package io.fabric.policy.tooling;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyException;
import io.fabric.policy.tooling.PolicyExplainer.Explanation;
import io.fabric.policy.tooling.PolicyExplainer.Probe;
import io.fabric.policy.yaml.StrictYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Table-driven expectations for a policy, like {@code opa test}: each case names a request and what
 * the gate must do with it; {@link #run} lists every expectation the policy does not meet.
 *
 * <pre>
 * cases:
 *   - name: a charge needs two approvers
 *     tenant: acme
 *     action: create_charge
 *     submitter: billing-agent      # optional
 *     payload: { amount: 1200 }     # optional: a mapping (sent as JSON) or JSON text
 *     expect: { outcome: WAITS_FOR_APPROVAL, class: B, quorum: 2, deadline: PT2H }
 * </pre>
 *
 * {@code expect} takes any of {@code outcome} (RUNS, WAITS_FOR_APPROVAL, BLOCKED), {@code class},
 * {@code rule}, {@code quorum}, {@code deadline}, {@code reason} and {@code canary}; an expectation
 * left out is not checked. The file is read as strictly as a policy: unknown and repeated keys are
 * refused with their line.
 */
public final class PolicyCases {
  private static final Set<String> TOP_LEVEL = Set.of("cases");
  private static final Set<String> CASE_KEYS = Set.of("name", "tenant", "action", "submitter", "payload", "expect");
  private static final Set<String> EXPECT_KEYS = Set.of("outcome", "class", "rule", "quorum", "deadline", "reason", "canary");

  /** One case: where it starts, its probe and its expectations (field name to expected text). */
  public record Case(int line, String name, Probe probe, Map<String, String> expect) {}

  /** One expectation a policy does not meet: {@code SOURCE:LINE: case 'NAME': expected FIELD X, got Y}. */
  public record Mismatch(Case testCase, String field, String expected, String actual, String source) {
    public String message() {
      return source + ":" + testCase.line() + ": case '" + testCase.name() + "': expected " + field + " " + expected + ", got " + actual;
    }
  }

  private final List<Case> cases;
  private final String source;

  private PolicyCases(List<Case> cases, String source) {
    this.cases = List.copyOf(cases);
    this.source = source;
  }

  public List<Case> cases() {
    return cases;
  }

  /** @throws PolicyException when the file cannot be read or is not a valid cases file ({@code cases file FILE:LINE: reason}) */
  public static PolicyCases load(Path file) {
    try {
      return parse(Files.readString(file), "cases file " + file);
    } catch (IOException e) {
      throw new PolicyException("cannot read cases file " + file + ": " + e.getMessage(), e);
    }
  }

  public static PolicyCases parse(String yaml, String source) {
    StrictYaml.Document document;
    try {
      document = StrictYaml.parse(yaml);
      document.requireKnownKeys(JsonPointer.empty(), TOP_LEVEL, "the cases file");
    } catch (StrictYaml.YamlProblem e) {
      throw new PolicyException(e.at(source), e.getCause());
    }
    JsonNode list = document.root().path("cases");
    if (!list.isArray() || list.isEmpty()) {
      throw new PolicyException(source + ": a cases file is a mapping with a non-empty list 'cases'");
    }
    List<Case> cases = new ArrayList<>();
    JsonPointer casesAt = JsonPointer.empty().appendProperty("cases");
    for (int i = 0; i < list.size(); i++) {
      cases.add(readCase(document, casesAt.appendIndex(i), source));
    }
    return new PolicyCases(cases, source);
  }

  private static Case readCase(StrictYaml.Document document, JsonPointer at, String source) {
    JsonNode node = document.root().at(at);
    int line = document.lineOf(at);
    try {
      if (!node.isObject()) {
        throw new StrictYaml.YamlProblem(line, "each case must be a mapping with " + new TreeSet<>(CASE_KEYS));
      }
      document.requireKnownKeys(at, CASE_KEYS, "a case");
      document.requireKnownKeys(at.appendProperty("expect"), EXPECT_KEYS, "expect");
      String name = node.path("name").asText("case at line " + line);
      if (!node.path("tenant").isValueNode() || !node.path("action").isValueNode()) {
        throw new StrictYaml.YamlProblem(line, "case '" + name + "' must name a tenant and an action");
      }
      JsonNode payload = node.path("payload");
      String payloadText = payload.isMissingNode() || payload.isNull() ? null : payload.isTextual() ? payload.asText() : payload.toString();
      Probe probe = new Probe(node.get("tenant").asText(), node.get("action").asText(),
          node.path("submitter").isValueNode() ? node.get("submitter").asText() : null, payloadText);
      JsonNode expect = node.path("expect");
      if (!expect.isObject() || expect.isEmpty()) {
        throw new StrictYaml.YamlProblem(line, "case '" + name + "' expects nothing: add expect: { outcome: ..., class: ... }");
      }
      Map<String, String> expected = new LinkedHashMap<>();
      for (Map.Entry<String, JsonNode> e : expect.properties()) {
        expected.put(e.getKey(), normalized(e.getKey(), e.getValue().asText(), document.lineOf(at.appendProperty("expect").appendProperty(e.getKey()))));
      }
      return new Case(line, name, probe, expected);
    } catch (StrictYaml.YamlProblem e) {
      throw new PolicyException(e.at(source));
    }
  }

  /** The expected value in the form {@link #actual} prints, so {@code b} matches class {@code B} and {@code PT120M} matches {@code PT2H}. */
  private static String normalized(String field, String value, int line) {
    return switch (field) {
      case "outcome", "class", "reason" -> value.toUpperCase(Locale.ROOT);
      case "deadline" -> {
        try {
          yield Duration.parse(value).toString();
        } catch (DateTimeParseException e) {
          throw new StrictYaml.YamlProblem(line, "expect.deadline must be an ISO-8601 duration such as PT2H, got '" + value + "'");
        }
      }
      case "canary" -> Boolean.toString(Boolean.parseBoolean(value));
      default -> value;
    };
  }

  /** Every expectation {@code policy} does not meet, case by case, in file order; empty when all pass. */
  public List<Mismatch> run(Policy policy) {
    PolicyExplainer explainer = new PolicyExplainer(policy);
    List<Mismatch> mismatches = new ArrayList<>();
    for (Case c : cases) {
      Explanation explanation = explainer.explain(c.probe());
      c.expect().forEach((field, expected) -> {
        String actual = actual(field, explanation);
        if (!Objects.equals(expected, actual)) {
          mismatches.add(new Mismatch(c, field, expected, actual, source));
        }
      });
    }
    return mismatches;
  }

  private static String actual(String field, Explanation e) {
    Object value = switch (field) {
      case "outcome" -> e.outcome();
      case "class" -> e.actionClass();
      case "rule" -> e.rule();
      case "quorum" -> e.quorum();
      case "deadline" -> e.deadline();
      case "reason" -> e.reason();
      case "canary" -> e.canary();
      default -> throw new IllegalArgumentException("unknown expectation " + field);
    };
    return value == null ? "none" : value.toString();
  }
}
