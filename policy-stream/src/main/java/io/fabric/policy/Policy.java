package io.fabric.policy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The effective policy: which class each action has, per-tenant tightenings, canary tenants,
 * approval deadlines/quorums, the maximum approval token lifetime, the duplicate window and request
 * limits. Immutable; its version is a hash of its content, carried on every decision so an outcome
 * can be traced to the policy that made it.
 */
public final class Policy {
  public static final Set<String> SEED_CLASS_A = Set.of("read_status", "collect_signals", "summarize", "classify", "tag",
      "internal_status_update", "research", "generate_draft", "plan", "predictive_analysis");
  public static final Set<String> SEED_CLASS_B = Set.of("send_whatsapp", "send_email", "send_linkedin", "trigger_voice_call",
      "sync_salesforce", "create_charge", "publish_content", "change_billing_state", "modify_lead_routing",
      "send_contract_for_signature", "video_generate", "music_generate");
  public static final Set<String> SEED_CLASS_C = Set.of("exfiltrate_secrets", "delete_data_without_audit", "bypass_auth",
      "publish_without_approval", "destructive_unchecked");
  /**
   * Class A by default though not a seed action: starting an agent run does nothing by itself, and every
   * tool call the agent makes is a request of its own, signed as the agent and classed by this policy.
   */
  public static final Set<String> AGENT_CLASS_A = Set.of("agent_run");
  public static final int DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024;
  public static final Duration DEFAULT_DUPLICATE_WINDOW = Duration.ofHours(24);

  private final Map<String, ActionClass> classes;
  private final Map<String, String> rules;
  private final Map<String, Map<String, ActionClass>> tenantClasses;
  private final Set<String> canaryTenants;
  private final ApprovalRules approvals;
  private final Duration duplicateWindow;
  private final int maxPayloadBytes;
  private final StateRetention retention;
  private final io.fabric.policy.limits.Limits limits;
  private final String contentHash;
  private final String declaredVersion;
  private final String version;
  private final io.fabric.policy.breakers.BreakerRules breakers;
  private final io.fabric.policy.escalation.EscalationRules escalation;

  Policy(Map<String, ActionClass> classes, Map<String, String> rules, Map<String, Map<String, ActionClass>> tenantClasses,
         Set<String> canaryTenants, ApprovalRules approvals, Duration duplicateWindow, int maxPayloadBytes, StateRetention retention,
         io.fabric.policy.limits.Limits limits, String declaredVersion) {
    this(classes, rules, tenantClasses, canaryTenants, approvals, duplicateWindow, maxPayloadBytes, retention, limits, declaredVersion,
        io.fabric.policy.breakers.BreakerRules.NONE, io.fabric.policy.escalation.EscalationRules.NONE);
  }

  private Policy(Map<String, ActionClass> classes, Map<String, String> rules, Map<String, Map<String, ActionClass>> tenantClasses,
         Set<String> canaryTenants, ApprovalRules approvals, Duration duplicateWindow, int maxPayloadBytes, StateRetention retention,
         io.fabric.policy.limits.Limits limits, String declaredVersion, io.fabric.policy.breakers.BreakerRules breakers,
         io.fabric.policy.escalation.EscalationRules escalation) {
    this.breakers = breakers;
    this.escalation = escalation;
    this.classes = Map.copyOf(classes);
    this.rules = Map.copyOf(rules);
    Map<String, Map<String, ActionClass>> tenants = new TreeMap<>();
    tenantClasses.forEach((tenant, map) -> tenants.put(tenant, Map.copyOf(map)));
    this.tenantClasses = Map.copyOf(tenants);
    this.canaryTenants = Set.copyOf(canaryTenants);
    this.approvals = approvals;
    this.duplicateWindow = duplicateWindow;
    this.maxPayloadBytes = maxPayloadBytes;
    this.retention = retention;
    this.limits = limits;
    this.contentHash = hash(canonical());
    this.declaredVersion = declaredVersion;
    // the hash stays in a declared version: two different files can never share a version by mistake
    this.version = declaredVersion == null ? contentHash : declaredVersion + "@" + contentHash;
  }

  /** The same policy with these breakers (a new version when they differ). */
  Policy withBreakers(io.fabric.policy.breakers.BreakerRules rules) {
    return rules.equals(breakers) ? this : new Policy(classes, this.rules, tenantClasses, canaryTenants, approvals, duplicateWindow,
        maxPayloadBytes, retention, limits, declaredVersion, rules, escalation);
  }

  /** The same policy with these approver groups and escalation chains. */
  Policy withEscalation(io.fabric.policy.escalation.EscalationRules rules) {
    return rules.equals(escalation) ? this : new Policy(classes, this.rules, tenantClasses, canaryTenants, approvals, duplicateWindow,
        maxPayloadBytes, retention, limits, declaredVersion, breakers, rules);
  }

  /** Who is notified about a request waiting for approval, and who next at its SLA warning. */
  public io.fabric.policy.escalation.EscalationRules escalation() {
    return escalation;
  }

  /** The policy's breakers: when to pause a tenant or submitter automatically. */
  public io.fabric.policy.breakers.BreakerRules breakers() {
    return breakers;
  }

  /** The seed's sets, nothing else. */
  public static Policy defaults() {
    return PolicyFile.builder().build();
  }

  public Classification classify(String tenantId, String action) {
    ActionClass global = classes.get(action);
    ActionClass tenant = tenantClasses.getOrDefault(tenantId, Map.of()).get(action);
    if (tenant != null && (global == null || tenant.stricterThan(global))) {
      return new Classification(tenant, "tenant:" + tenantId + ":class-" + tenant.name().toLowerCase(java.util.Locale.ROOT));
    }
    if (global == null) {
      return new Classification(ActionClass.B, "default:unknown-action");
    }
    return new Classification(global, rules.get(action));
  }

  public boolean isCanary(String tenantId) {
    return canaryTenants.contains(tenantId);
  }

  public ApprovalRules approvals() {
    return approvals;
  }

  public Duration duplicateWindow() {
    return duplicateWindow;
  }

  /** How long the gate remembers flow owners and request ids. */
  public StateRetention retention() {
    return retention;
  }

  /** The request limits: how many requests of a tenant or submitter may start per window and be in flight. */
  public io.fabric.policy.limits.Limits limits() {
    return limits;
  }

  public int maxPayloadBytes() {
    return maxPayloadBytes;
  }

  /**
   * The version every decision names: the first 12 hex characters of the SHA-256 of the effective
   * policy ({@link #contentHash}), or {@code LABEL@HASH} when the file declares {@code version: LABEL}.
   */
  public String version() {
    return version;
  }

  /** The first 12 hex characters of the SHA-256 of the effective policy, declared label or not. */
  public String contentHash() {
    return contentHash;
  }

  /** The file's {@code version:} label, if it has one. */
  public java.util.Optional<String> declaredVersion() {
    return java.util.Optional.ofNullable(declaredVersion);
  }

  /** Every action this policy classifies explicitly (the seed's and the file's); any other action is class B. */
  public Set<String> classifiedActions() {
    return classes.keySet();
  }

  /** The tenants that have tightenings of their own. */
  public Set<String> tenantsWithRules() {
    return tenantClasses.keySet();
  }

  /** The actions one tenant's rules tighten. */
  public Set<String> tenantActions(String tenantId) {
    return tenantClasses.getOrDefault(tenantId, Map.of()).keySet();
  }

  /** The canary tenants. */
  public Set<String> canaryTenants() {
    return canaryTenants;
  }

  private String canonical() {
    StringBuilder text = new StringBuilder();
    new TreeMap<>(classes).forEach((action, c) -> text.append("class ").append(action).append('=').append(c).append('\n'));
    new TreeMap<>(tenantClasses).forEach((tenant, map) -> new TreeMap<>(map).forEach((action, c) ->
        text.append("tenant ").append(tenant).append(' ').append(action).append('=').append(c).append('\n')));
    new TreeSet<>(canaryTenants).forEach(t -> text.append("canary ").append(t).append('\n'));
    text.append("approvals ").append(approvals.defaultDeadline()).append(' ').append(approvals.slaWarningFraction()).append('\n');
    text.append("max_token_lifetime ").append(approvals.maxTokenLifetime()).append('\n');
    new TreeMap<>(approvals.deadlines()).forEach((a, d) -> text.append("deadline ").append(a).append('=').append(d).append('\n'));
    new TreeMap<>(approvals.quorums()).forEach((a, q) -> text.append("quorum ").append(a).append('=').append(q).append('\n'));
    text.append("duplicates ").append(duplicateWindow).append('\n');
    text.append("max_payload_bytes ").append(maxPayloadBytes).append('\n');
    if (!retention.equals(StateRetention.DEFAULT)) {
      // only when set, so existing policies keep their version
      text.append("retention ").append(retention.flowOwners()).append(' ').append(retention.requestIds()).append('\n');
    }
    // only when set, so existing policies keep their version
    text.append(limits.canonical());
    if (!breakers.isEmpty()) {
      // only when set, so existing policies keep their version
      text.append(breakers.canonical());
    }
    if (!escalation.isEmpty()) {
      text.append(escalation.canonical());
    }
    return text.toString();
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JDK", e);
    }
  }
}
