package io.fabric.policy;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.policy.yaml.StrictYaml;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads a policy YAML file on top of the seed's sets. Config may add actions to a class and
 * tenants may tighten (A to B, B to C); anything that would loosen a class, above all moving an
 * action out of class C, is refused with an error naming the action. Unknown keys at any level
 * and keys repeated in a mapping are refused with the file, line and reason.
 *
 * <pre>
 * version: 2026-12-01.1   # optional label; the policy's version is then LABEL@HASH
 * classes:            # add actions; seed actions may only move to a stricter class
 *   A: [score_lead]
 *   C: [wipe_tenant]
 * tenants:
 *   acme: { B: [summarize], C: [send_whatsapp] }
 * canary: { tenants: [beta-co] }
 * approvals:
 *   default_deadline: PT24H
 *   sla_warning_fraction: 0.8
 *   max_token_lifetime: PT1H   # longest expires_at - issued_at a token may have; at most PT24H
 *   actions: { create_charge: { deadline: PT2H, quorum: 2 } }
 * duplicates: { window: PT24H }
 * limits:
 *   max_payload_bytes: 65536
 *   rules: { agents: { per: submitter, class: A, rate: { requests: 5, per: PT1S, burst: 10 }, in_flight: 3, on_limit: wait } }
 *   slot_lease: PT2H           # a slot no final status freed by then is reclaimed (audit SLOT_RECLAIMED)
 * retention: { flow_owners: P30D, request_ids: P30D }
 * breakers: { c-attempts: { per: submitter, measure: class_c_attempts, threshold: 5, window: PT10M, then: hold } }
 * </pre>
 */
public final class PolicyFile {
  private static final java.util.regex.Pattern DECLARED_VERSION = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,39}");
  private static final Set<String> TOP_LEVEL = Set.of("version", "classes", "tenants", "canary", "approvals", "duplicates", "limits", "retention", "breakers", "approver_groups", "escalation");
  private static final Set<String> RETENTION_KEYS = Set.of("flow_owners", "request_ids");
  private static final Set<String> CANARY_KEYS = Set.of("tenants");
  private static final Set<String> APPROVALS_KEYS = Set.of("default_deadline", "sla_warning_fraction", "max_token_lifetime", "actions");
  private static final Set<String> ACTION_RULE_KEYS = Set.of("deadline", "quorum");
  private static final Set<String> DUPLICATES_KEYS = Set.of("window");
  private static final Set<String> LIMITS_KEYS = Set.of("max_payload_bytes", "rules", "plugins", "slot_lease");

  private PolicyFile() {}

  /**
   * Loads a policy file.
   *
   * @throws PolicyException when the file cannot be read or is invalid; the message starts with
   *     {@code policy file FILE:LINE:} where the line is known
   */
  public static Policy load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new PolicyException("cannot read policy file " + file + ": " + e.getMessage(), e);
    }
    return parse(text, "policy file " + file);
  }

  /** Parses policy text; errors name it {@code policy}. */
  public static Policy parse(String yaml) {
    return parse(yaml, "policy");
  }

  /**
   * Parses policy text; {@code source} names it in error messages ({@code SOURCE:LINE: reason}).
   *
   * <p>Strict: a key the format does not have, at any level, or a key repeated in a mapping is
   * refused, because either would silently change what the file means (a misspelt {@code quorom: 2}
   * would leave the quorum at 1).
   *
   * @throws PolicyException naming the first problem in file order ({@link #check} lists them all)
   */
  public static Policy parse(String yaml, String source) {
    Checked checked = check(yaml, source);
    if (!checked.problems().isEmpty()) {
      PolicyProblem first = checked.problems().get(0);
      throw new PolicyException(first.message(), first.cause());
    }
    return checked.policy();
  }

  /**
   * Every problem of a policy text, in file order, instead of only the first: what {@code fabric
   * policy check} prints, one line each.
   *
   * @param source names the text in messages, e.g. {@code policy file p.yaml}
   */
  public static Checked check(String yaml, String source) {
    StrictYaml.Document document;
    try {
      document = StrictYaml.parseCollecting(yaml);
    } catch (StrictYaml.YamlProblem e) {
      return new Checked(null, List.of(new PolicyProblem(e.line(), e.at(source), e.getCause())));
    }
    return new Reader(document, source).read();
  }

  /** A policy file that could not be read: one problem, without a line. */
  public static Checked checkFile(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      return new Checked(null, List.of(new PolicyProblem(0, "cannot read policy file " + file + ": " + e.getMessage(), e)));
    }
    return check(text, "policy file " + file);
  }

  /** One problem of a policy file: its 1-based line (0 when unknown) and the whole message, {@code SOURCE:LINE: reason}. */
  public record PolicyProblem(int line, String message, Throwable cause) {}

  /** The policy when the text has no problem, or null and every problem in file order. */
  public record Checked(Policy policy, List<PolicyProblem> problems) {
    public Checked {
      problems = List.copyOf(problems);
    }

    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** A problem found at a known place of the file. */
  private static final class Located extends PolicyException {
    private static final long serialVersionUID = 1L;
    private final int line;

    Located(int line, String message) {
      super(message);
      this.line = line;
    }
  }

  /** Walks one parsed file, so every error can name the file and line it is about; collects every problem it finds. */
  private static final class Reader {
    private static final JsonPointer ROOT = JsonPointer.empty();
    private final StrictYaml.Document document;
    private final JsonNode root;
    private final String source;
    private final Builder builder = builder();
    private final List<PolicyProblem> problems = new ArrayList<>();

    Reader(StrictYaml.Document document, String source) {
      this.document = document;
      this.root = document.root();
      this.source = source;
      document.duplicates().forEach(d -> problems.add(new PolicyProblem(d.line(), d.at(source), null)));
    }

    Checked read() {
      if (root.isMissingNode() || root.isNull()) {
        return result();
      }
      if (!root.isObject()) {
        problems.add(new PolicyProblem(0, source + ": policy file must be a YAML mapping with keys " + new TreeSet<>(TOP_LEVEL), null));
        return result();
      }
      for (Map.Entry<String, JsonNode> field : root.properties()) {
        if (!TOP_LEVEL.contains(field.getKey())) {
          attempt(() -> {
            throw fail(ROOT.appendProperty(field.getKey()), "unknown policy key '" + field.getKey() + "'; expected one of "
                + new TreeSet<>(TOP_LEVEL));
          });
        }
      }
      attempt(this::version);
      attempt(this::classes);
      attempt(this::tenants);
      attempt(this::canary);
      attempt(this::approvals);
      attempt(this::duplicates);
      attempt(this::limits);
      attempt(this::retention);
      attempt(this::breakers);
      attempt(this::escalation);
      return result();
    }

    private Checked result() {
      if (problems.isEmpty()) {
        try {
          return new Checked(builder.build(), List.of());
        } catch (PolicyException e) {
          problems.add(new PolicyProblem(0, source + ": " + e.getMessage(), null));
        }
      }
      List<PolicyProblem> inFileOrder = new ArrayList<>(problems);
      // stable: problems on one line keep the order they were found in; those without a line come last
      inFileOrder.sort(Comparator.comparingInt(p -> p.line() == 0 ? Integer.MAX_VALUE : p.line()));
      return new Checked(null, inFileOrder);
    }

    /** Runs one step; a problem it throws is recorded and reading goes on with the next step. */
    private void attempt(Runnable step) {
      try {
        step.run();
      } catch (Located e) {
        problems.add(new PolicyProblem(e.line, e.getMessage(), null));
      } catch (PolicyException e) {
        problems.add(new PolicyProblem(0, source + ": " + e.getMessage(), null));
      }
    }

    private void version() {
      JsonNode node = root.path("version");
      if (node.isMissingNode()) {
        return;
      }
      String label = node.isValueNode() ? node.asText() : "";
      if (!DECLARED_VERSION.matcher(label).matches()) {
        throw fail(ROOT.appendProperty("version"), "version must be 1 to 40 letters, digits, '.', '_' or '-' starting with a letter or digit,"
            + " e.g. 2026-12-01.1, got '" + (node.isValueNode() ? label : node.getNodeType().name().toLowerCase(Locale.ROOT)) + "'");
      }
      builder.declaredVersion(label);
    }

    private void classes() {
      JsonPointer classes = ROOT.appendProperty("classes");
      for (Map.Entry<String, JsonNode> e : mapping(classes, "classes").entrySet()) {
        JsonPointer at = classes.appendProperty(e.getKey());
        attempt(() -> {
          ActionClass target = located(at, () -> parseClass(e.getKey(), "classes"));
          eachAction(at, e.getValue(), "classes." + e.getKey(), action -> builder.addAction(target, action));
        });
      }
    }

    private void tenants() {
      JsonPointer tenants = ROOT.appendProperty("tenants");
      for (Map.Entry<String, JsonNode> tenant : mapping(tenants, "tenants").entrySet()) {
        JsonPointer tenantAt = tenants.appendProperty(tenant.getKey());
        attempt(() -> {
          for (Map.Entry<String, JsonNode> e : mapping(tenantAt, "tenants." + tenant.getKey()).entrySet()) {
            JsonPointer at = tenantAt.appendProperty(e.getKey());
            attempt(() -> {
              ActionClass target = located(at, () -> parseClass(e.getKey(), "tenants." + tenant.getKey()));
              eachAction(at, e.getValue(), "tenants." + tenant.getKey() + "." + e.getKey(),
                  action -> builder.tightenForTenant(tenant.getKey(), target, action));
            });
          }
        });
      }
    }

    private void canary() {
      JsonPointer canary = ROOT.appendProperty("canary");
      mapping(canary, "canary");
      known(canary, CANARY_KEYS, "canary");
      JsonPointer tenants = canary.appendProperty("tenants");
      eachAction(tenants, root.at(tenants), "canary.tenants", builder::canaryTenant);
    }

    private void approvals() {
      JsonPointer approvals = ROOT.appendProperty("approvals");
      Map<String, JsonNode> fields = mapping(approvals, "approvals");
      known(approvals, APPROVALS_KEYS, "approvals");
      if (fields.containsKey("default_deadline")) {
        attempt(() -> builder.defaultDeadline = duration(approvals.appendProperty("default_deadline"), "approvals.default_deadline"));
      }
      if (fields.containsKey("sla_warning_fraction")) {
        JsonPointer at = approvals.appendProperty("sla_warning_fraction");
        attempt(() -> {
          double fraction = fields.get("sla_warning_fraction").asDouble();
          if (!fields.get("sla_warning_fraction").isNumber() || fraction <= 0 || fraction >= 1) {
            throw fail(at, "approvals.sla_warning_fraction must be a number between 0 and 1, got " + fields.get("sla_warning_fraction").asText());
          }
          builder.slaWarningFraction = fraction;
        });
      }
      if (fields.containsKey("max_token_lifetime")) {
        JsonPointer at = approvals.appendProperty("max_token_lifetime");
        attempt(() -> {
          Duration lifetime = duration(at, "approvals.max_token_lifetime");
          located(at, () -> {
            ApprovalRules.requireValidMaxTokenLifetime(lifetime);
            return null;
          });
          builder.maxTokenLifetime = lifetime;
        });
      }
      JsonPointer actions = approvals.appendProperty("actions");
      attempt(() -> {
        for (Map.Entry<String, JsonNode> e : mapping(actions, "approvals.actions").entrySet()) {
          attempt(() -> actionRule(actions.appendProperty(e.getKey()), e.getKey()));
        }
      });
    }

    private void actionRule(JsonPointer at, String action) {
      String where = "approvals.actions." + action;
      Map<String, JsonNode> rules = mapping(at, where);
      known(at, ACTION_RULE_KEYS, where);
      if (rules.containsKey("deadline")) {
        attempt(() -> builder.deadlines.put(action, duration(at.appendProperty("deadline"), where + ".deadline")));
      }
      if (rules.containsKey("quorum")) {
        JsonNode quorum = rules.get("quorum");
        if (!quorum.canConvertToInt() || !quorum.isIntegralNumber() || quorum.asInt() < 1) {
          throw fail(at.appendProperty("quorum"), where + ".quorum must be at least 1 (a whole number), got " + quorum.asText());
        }
        builder.quorums.put(action, quorum.asInt());
      }
    }

    private void duplicates() {
      JsonPointer duplicates = ROOT.appendProperty("duplicates");
      Map<String, JsonNode> fields = mapping(duplicates, "duplicates");
      known(duplicates, DUPLICATES_KEYS, "duplicates");
      if (fields.containsKey("window")) {
        builder.duplicateWindow = duration(duplicates.appendProperty("window"), "duplicates.window");
      }
    }

    private void limits() {
      JsonPointer limits = ROOT.appendProperty("limits");
      Map<String, JsonNode> fields = mapping(limits, "limits");
      known(limits, LIMITS_KEYS, "limits");
      builder.limits = io.fabric.policy.limits.LimitsSection.read(root, limits, (at, problem) ->
          problems.add(new PolicyProblem(document.lineOf(at), new StrictYaml.YamlProblem(document.lineOf(at), problem).at(source), null)));
      if (fields.containsKey("max_payload_bytes")) {
        JsonNode bytes = fields.get("max_payload_bytes");
        if (!bytes.isIntegralNumber() || !bytes.canConvertToInt() || bytes.asInt() < 2) {
          throw fail(limits.appendProperty("max_payload_bytes"), "limits.max_payload_bytes must be a positive whole number, got " + bytes.asText());
        }
        builder.maxPayloadBytes = bytes.asInt();
      }
    }

    private void retention() {
      JsonPointer retention = ROOT.appendProperty("retention");
      Map<String, JsonNode> fields = mapping(retention, "retention");
      known(retention, RETENTION_KEYS, "retention");
      Duration owners = fields.containsKey("flow_owners") ? duration(retention.appendProperty("flow_owners"), "retention.flow_owners")
          : builder.retention.flowOwners();
      Duration ids = fields.containsKey("request_ids") ? duration(retention.appendProperty("request_ids"), "retention.request_ids")
          : builder.retention.requestIds();
      located(retention, () -> builder.retention(new StateRetention(owners, ids)));
    }

    /** The {@code breakers:} section, read by its own class; its problems carry their lines. */
    private void breakers() {
      JsonPointer at = ROOT.appendProperty("breakers");
      io.fabric.policy.breakers.BreakersSection.Result read = io.fabric.policy.breakers.BreakersSection.read(root.at(at), at);
      read.problems().forEach(p -> problems.add(new PolicyProblem(document.lineOf(p.at()),
          new StrictYaml.YamlProblem(document.lineOf(p.at()), p.message()).at(source), null)));
      builder.breakers(read.rules());
    }

    /** The {@code approver_groups:} and {@code escalation:} sections, read by their own class. */
    private void escalation() {
      JsonPointer groups = ROOT.appendProperty("approver_groups");
      JsonPointer escalation = ROOT.appendProperty("escalation");
      io.fabric.policy.escalation.EscalationSection.Result read = io.fabric.policy.escalation.EscalationSection.read(root.at(groups), groups,
          root.at(escalation), escalation);
      read.problems().forEach(p -> problems.add(new PolicyProblem(document.lineOf(p.at()),
          new StrictYaml.YamlProblem(document.lineOf(p.at()), p.message()).at(source), null)));
      builder.escalation(read.rules());
    }

    /** Applies {@code apply} to each name of the list at {@code at}; a refused name is reported at its own line, and the others still apply. */
    private void eachAction(JsonPointer at, JsonNode node, String where, java.util.function.Consumer<String> apply) {
      List<String> names = located(at, () -> actions(node, where));
      for (int i = 0; i < names.size(); i++) {
        String name = names.get(i);
        JsonPointer item = at.appendIndex(i);
        attempt(() -> located(item, () -> {
          apply.accept(name);
          return null;
        }));
      }
    }

    /** The fields of the mapping at {@code at}; none when it is absent or null; an error when it is not a mapping. */
    private Map<String, JsonNode> mapping(JsonPointer at, String where) {
      JsonNode node = root.at(at);
      if (node.isMissingNode() || node.isNull()) {
        return Map.of();
      }
      if (!node.isObject()) {
        throw fail(at, where + " must be a mapping");
      }
      Map<String, JsonNode> fields = new java.util.LinkedHashMap<>();
      node.properties().forEach(e -> fields.put(e.getKey(), e.getValue()));
      return fields;
    }

    /** Records every key of the mapping at {@code at} that is not in {@code allowed}; reading goes on. */
    private void known(JsonPointer at, Set<String> allowed, String where) {
      JsonNode node = root.at(at);
      if (!node.isObject()) {
        return;
      }
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (!allowed.contains(field.getKey())) {
          JsonPointer key = at.appendProperty(field.getKey());
          problems.add(new PolicyProblem(document.lineOf(key), new StrictYaml.YamlProblem(document.lineOf(key), "unknown key '"
              + field.getKey() + "' in " + where + "; expected " + String.join(", ", new TreeSet<>(allowed))).at(source), null));
        }
      }
    }

    private Duration duration(JsonPointer at, String where) {
      JsonNode node = root.at(at);
      try {
        return Duration.parse(node.asText());
      } catch (DateTimeParseException e) {
        throw fail(at, where + " must be an ISO-8601 duration such as PT24H, got '" + node.asText() + "'");
      }
    }

    private <T> T located(JsonPointer at, java.util.function.Supplier<T> step) {
      try {
        return step.get();
      } catch (Located e) {
        throw e;
      } catch (PolicyException e) {
        throw fail(at, e.getMessage());
      }
    }

    private Located fail(JsonPointer at, String problem) {
      int line = document.lineOf(at);
      return new Located(line, new StrictYaml.YamlProblem(line, problem).at(source));
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a policy in code (tests, benchmarks) with the same rules the file obeys. */
  /** How long a signed request can still pass the gate: its maximum age plus the clock skew allowed. */
  static final Duration SIGNED_REQUEST_LIFETIME = io.fabric.policy.identity.SubmitterVerifier.DEFAULT_MAX_AGE
      .plus(io.fabric.policy.identity.SubmitterVerifier.DEFAULT_CLOCK_SKEW);

  public static final class Builder {
    private final Map<String, ActionClass> classes = new HashMap<>();
    private final Map<String, String> rules = new HashMap<>();
    private final Map<String, Map<String, ActionClass>> tenantClasses = new HashMap<>();
    private final Set<String> canaryTenants = new HashSet<>();
    private final Map<String, Duration> deadlines = new HashMap<>();
    private final Map<String, Integer> quorums = new HashMap<>();
    private Duration defaultDeadline = ApprovalRules.DEFAULT.defaultDeadline();
    private double slaWarningFraction = ApprovalRules.DEFAULT.slaWarningFraction();
    private Duration maxTokenLifetime = ApprovalRules.DEFAULT_MAX_TOKEN_LIFETIME;
    private Duration duplicateWindow = Policy.DEFAULT_DUPLICATE_WINDOW;
    private int maxPayloadBytes = Policy.DEFAULT_MAX_PAYLOAD_BYTES;
    private StateRetention retention = StateRetention.DEFAULT;
    private io.fabric.policy.limits.Limits limits = io.fabric.policy.limits.Limits.NONE;
    private String declaredVersion;
    private io.fabric.policy.breakers.BreakerRules breakers = io.fabric.policy.breakers.BreakerRules.NONE;
    private io.fabric.policy.escalation.EscalationRules escalation = io.fabric.policy.escalation.EscalationRules.NONE;

    private Builder() {
      Policy.SEED_CLASS_A.forEach(a -> seed(a, ActionClass.A));
      Policy.AGENT_CLASS_A.forEach(a -> seed(a, ActionClass.A));
      Policy.SEED_CLASS_B.forEach(a -> seed(a, ActionClass.B));
      Policy.SEED_CLASS_C.forEach(a -> seed(a, ActionClass.C));
    }

    private void seed(String action, ActionClass c) {
      classes.put(action, c);
      rules.put(action, "default:class-" + c.name().toLowerCase(Locale.ROOT));
    }

    public Builder addAction(ActionClass target, String action) {
      ActionClass current = classes.get(action);
      if (current != null && current.stricterThan(target)) {
        throw new PolicyException("classes." + target + " would loosen '" + action + "' from class " + current + " to " + target
            + (current == ActionClass.C ? ": a class-C action can never leave class C" : ": config may only tighten"));
      }
      classes.put(action, target);
      rules.put(action, "policy:class-" + target.name().toLowerCase(Locale.ROOT));
      return this;
    }

    public Builder tightenForTenant(String tenant, ActionClass target, String action) {
      if (target == ActionClass.A) {
        throw new PolicyException("tenants." + tenant + ".A: tenant rules may only tighten (to B or C), not grant class A");
      }
      ActionClass global = classes.getOrDefault(action, ActionClass.B);
      if (global.stricterThan(target)) {
        throw new PolicyException("tenants." + tenant + "." + target + " would loosen '" + action + "' from class " + global
            + " to " + target + (global == ActionClass.C ? ": a class-C action can never leave class C" : ": tenant rules may only tighten"));
      }
      tenantClasses.computeIfAbsent(tenant, t -> new HashMap<>()).put(action, target);
      return this;
    }

    public Builder canaryTenant(String tenant) {
      canaryTenants.add(tenant);
      return this;
    }

    public Builder approvalDeadline(String action, Duration deadline) {
      deadlines.put(action, deadline);
      return this;
    }

    public Builder defaultApprovalDeadline(Duration deadline) {
      defaultDeadline = deadline;
      return this;
    }

    public Builder quorum(String action, int approvers) {
      quorums.put(action, approvers);
      return this;
    }

    /** The longest lifetime ({@code expires_at - issued_at}) an approval token may have; at most PT24H. */
    public Builder maxTokenLifetime(Duration lifetime) {
      maxTokenLifetime = lifetime;
      return this;
    }

    public Builder duplicateWindow(Duration window) {
      duplicateWindow = window;
      return this;
    }

    public Builder maxPayloadBytes(int bytes) {
      maxPayloadBytes = bytes;
      return this;
    }

    /** The request limits ({@code limits.rules}). */
    public Builder limits(io.fabric.policy.limits.Limits value) {
      this.limits = value;
      return this;
    }

    public Builder retention(StateRetention value) {
      this.retention = value;
      return this;
    }

    public Builder breakers(io.fabric.policy.breakers.BreakerRules rules) {
      breakers = rules;
      return this;
    }

    public Builder escalation(io.fabric.policy.escalation.EscalationRules rules) {
      escalation = rules;
      return this;
    }

    /** The file's own {@code version:} label; the policy's version is then {@code LABEL@HASH}. */
    public Builder declaredVersion(String label) {
      declaredVersion = label;
      return this;
    }

    public Policy build() {
      ApprovalRules approvalRules = new ApprovalRules(defaultDeadline, slaWarningFraction, deadlines, quorums, maxTokenLifetime);
      Duration longestWait = approvalRules.longestDeadline();
      if (retention.flowOwners().compareTo(longestWait) < 0 || retention.requestIds().compareTo(longestWait) < 0
          || retention.requestIds().compareTo(duplicateWindow) < 0 || retention.requestIds().compareTo(SIGNED_REQUEST_LIFETIME) < 0) {
        throw new PolicyException("retention (flow owners " + retention.flowOwners() + ", request ids " + retention.requestIds()
            + ") must be at least the longest approval deadline (" + longestWait + ") and, for request ids, the duplicate window ("
            + duplicateWindow + " and the " + SIGNED_REQUEST_LIFETIME + " a signed request stays usable): otherwise a flow or a request id"
            + " could be released while its request still waits, or a signed request be run twice");
      }
      tenantClasses.forEach((tenant, map) -> map.forEach((action, target) -> {
        ActionClass global = classes.getOrDefault(action, ActionClass.B);
        if (global.stricterThan(target)) {
          throw new PolicyException("tenants." + tenant + " would loosen '" + action + "' from class " + global + " to " + target);
        }
      }));
      return new Policy(classes, rules, tenantClasses, canaryTenants, approvalRules, duplicateWindow, maxPayloadBytes, retention,
          limits, declaredVersion).withBreakers(breakers).withEscalation(escalation);
    }
  }

  private static ActionClass parseClass(String name, String where) {
    try {
      return ActionClass.valueOf(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new PolicyException(where + "." + name + ": unknown class '" + name + "', expected A, B or C");
    }
  }

  private static List<String> actions(JsonNode node, String where) {
    if (node.isMissingNode() || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new PolicyException(where + " must be a list of action names");
    }
    return java.util.stream.StreamSupport.stream(node.spliterator(), false).map(JsonNode::asText).toList();
  }
}
