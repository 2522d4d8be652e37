package io.fabric.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a policy YAML file on top of the seed's sets. Config may add actions to a class and
 * tenants may tighten (A to B, B to C); anything that would loosen a class, above all moving an
 * action out of class C, is refused with an error naming the action.
 *
 * <pre>
 * classes:            # add actions; seed actions may only move to a stricter class
 *   A: [score_lead]
 *   C: [wipe_tenant]
 * tenants:
 *   acme: { B: [summarize], C: [send_whatsapp] }
 * canary: { tenants: [beta-co] }
 * approvals:
 *   default_deadline: PT24H
 *   sla_warning_fraction: 0.8
 *   actions: { create_charge: { deadline: PT2H, quorum: 2 } }
 * duplicates: { window: PT24H }
 * limits: { max_payload_bytes: 65536 }
 * </pre>
 */
public final class PolicyFile {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final Set<String> TOP_LEVEL = Set.of("classes", "tenants", "canary", "approvals", "duplicates", "limits");

  private PolicyFile() {}

  public static Policy load(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new PolicyException("cannot read policy file " + file + ": " + e.getMessage(), e);
    }
  }

  public static Policy parse(String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new PolicyException("policy file is not valid YAML: " + e.getMessage(), e);
    }
    Builder builder = builder();
    if (root == null || root.isMissingNode() || root.isNull()) {
      return builder.build();
    }
    if (!root.isObject()) {
      throw new PolicyException("policy file must be a YAML mapping with keys " + TOP_LEVEL);
    }
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!TOP_LEVEL.contains(key)) {
        throw new PolicyException("unknown policy key '" + key + "'; expected one of " + TOP_LEVEL);
      }
    }
    root.path("classes").fields().forEachRemaining(e -> actions(e.getValue(), "classes." + e.getKey())
        .forEach(action -> builder.addAction(parseClass(e.getKey(), "classes"), action)));
    root.path("tenants").fields().forEachRemaining(tenant -> tenant.getValue().fields().forEachRemaining(e ->
        actions(e.getValue(), "tenants." + tenant.getKey() + "." + e.getKey())
            .forEach(action -> builder.tightenForTenant(tenant.getKey(), parseClass(e.getKey(), "tenants." + tenant.getKey()), action))));
    actions(root.path("canary").path("tenants"), "canary.tenants").forEach(builder::canaryTenant);
    JsonNode approvals = root.path("approvals");
    if (approvals.has("default_deadline")) {
      builder.defaultDeadline = duration(approvals.get("default_deadline"), "approvals.default_deadline");
    }
    if (approvals.has("sla_warning_fraction")) {
      builder.slaWarningFraction = approvals.get("sla_warning_fraction").asDouble();
    }
    approvals.path("actions").fields().forEachRemaining(e -> {
      if (e.getValue().has("deadline")) {
        builder.deadlines.put(e.getKey(), duration(e.getValue().get("deadline"), "approvals.actions." + e.getKey() + ".deadline"));
      }
      if (e.getValue().has("quorum")) {
        builder.quorums.put(e.getKey(), e.getValue().get("quorum").asInt());
      }
    });
    if (root.path("duplicates").has("window")) {
      builder.duplicateWindow = duration(root.path("duplicates").get("window"), "duplicates.window");
    }
    if (root.path("limits").has("max_payload_bytes")) {
      builder.maxPayloadBytes = root.path("limits").get("max_payload_bytes").asInt();
      if (builder.maxPayloadBytes < 2) {
        throw new PolicyException("limits.max_payload_bytes must be positive");
      }
    }
    return builder.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Builds a policy in code (tests, benchmarks) with the same rules the file obeys. */
  public static final class Builder {
    private final Map<String, ActionClass> classes = new HashMap<>();
    private final Map<String, String> rules = new HashMap<>();
    private final Map<String, Map<String, ActionClass>> tenantClasses = new HashMap<>();
    private final Set<String> canaryTenants = new HashSet<>();
    private final Map<String, Duration> deadlines = new HashMap<>();
    private final Map<String, Integer> quorums = new HashMap<>();
    private Duration defaultDeadline = ApprovalRules.DEFAULT.defaultDeadline();
    private double slaWarningFraction = ApprovalRules.DEFAULT.slaWarningFraction();
    private Duration duplicateWindow = Policy.DEFAULT_DUPLICATE_WINDOW;
    private int maxPayloadBytes = Policy.DEFAULT_MAX_PAYLOAD_BYTES;

    private Builder() {
      Policy.SEED_CLASS_A.forEach(a -> seed(a, ActionClass.A));
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

    public Builder duplicateWindow(Duration window) {
      duplicateWindow = window;
      return this;
    }

    public Builder maxPayloadBytes(int bytes) {
      maxPayloadBytes = bytes;
      return this;
    }

    public Policy build() {
      tenantClasses.forEach((tenant, map) -> map.forEach((action, target) -> {
        ActionClass global = classes.getOrDefault(action, ActionClass.B);
        if (global.stricterThan(target)) {
          throw new PolicyException("tenants." + tenant + " would loosen '" + action + "' from class " + global + " to " + target);
        }
      }));
      return new Policy(classes, rules, tenantClasses, canaryTenants,
          new ApprovalRules(defaultDeadline, slaWarningFraction, deadlines, quorums), duplicateWindow, maxPayloadBytes);
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

  private static Duration duration(JsonNode node, String where) {
    try {
      return Duration.parse(node.asText());
    } catch (DateTimeParseException e) {
      throw new PolicyException(where + " must be an ISO-8601 duration such as PT24H, got '" + node.asText() + "'");
    }
  }
}
