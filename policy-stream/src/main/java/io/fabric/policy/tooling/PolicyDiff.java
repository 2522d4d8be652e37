package io.fabric.policy.tooling;

import io.fabric.policy.ActionClass;
import io.fabric.policy.ApprovalRules;
import io.fabric.policy.Policy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What changes for requests when one policy replaces another: each action whose class changes (for
 * every tenant, or for one tenant when its change differs from everyone's), each action whose
 * quorum or deadline changes, canary tenants, and the gate-wide settings. Kafka-free; {@code fabric
 * policy diff OLD NEW} prints it. The policy has no per-submitter rules yet, so no change is per
 * submitter.
 */
public final class PolicyDiff {
  /** Every tenant: a change that applies to any tenant without rules of its own. */
  public static final String ALL_TENANTS = "*";
  // a tenant id the charset forbids, so no tenant rule can match it: classify() then answers for every tenant
  private static final String NO_TENANT = "";

  /**
   * One change: {@code what} is {@code class}, {@code quorum}, {@code deadline}, {@code canary} or a
   * setting's policy key (e.g. {@code approvals.default_deadline}); {@code action} is null for a setting.
   */
  public record Change(String what, String action, String tenant, String from, String to) {
    public String line() {
      return String.format("%-28s %-28s tenant %-12s %s -> %s", what, action == null ? "-" : action, tenant, from, to);
    }
  }

  private PolicyDiff() {}

  /** The changes from {@code from} to {@code to}: classes first, then quorums, deadlines, canaries and settings, each sorted. */
  public static List<Change> between(Policy from, Policy to) {
    List<Change> changes = new ArrayList<>();
    Set<String> actions = new TreeSet<>(from.classifiedActions());
    actions.addAll(to.classifiedActions());
    for (String action : actions) {
      change(changes, "class", action, ALL_TENANTS, from.classify(NO_TENANT, action).actionClass(), to.classify(NO_TENANT, action).actionClass());
    }
    Set<String> tenants = new TreeSet<>(from.tenantsWithRules());
    tenants.addAll(to.tenantsWithRules());
    for (String tenant : tenants) {
      Set<String> tightened = new TreeSet<>(from.tenantActions(tenant));
      tightened.addAll(to.tenantActions(tenant));
      for (String action : tightened) {
        ActionClass before = from.classify(tenant, action).actionClass();
        ActionClass after = to.classify(tenant, action).actionClass();
        boolean sameAsEveryone = before == from.classify(NO_TENANT, action).actionClass() && after == to.classify(NO_TENANT, action).actionClass();
        if (!sameAsEveryone) {
          change(changes, "class", action, tenant, before, after);
        }
      }
    }
    ApprovalRules a = from.approvals();
    ApprovalRules b = to.approvals();
    Set<String> ruled = new TreeSet<>(a.quorums().keySet());
    ruled.addAll(b.quorums().keySet());
    ruled.forEach(action -> change(changes, "quorum", action, ALL_TENANTS, a.quorumFor(action), b.quorumFor(action)));
    Set<String> timed = new TreeSet<>(a.deadlines().keySet());
    timed.addAll(b.deadlines().keySet());
    timed.forEach(action -> change(changes, "deadline", action, ALL_TENANTS, a.deadlineFor(action), b.deadlineFor(action)));
    Set<String> canaries = new TreeSet<>(from.canaryTenants());
    canaries.addAll(to.canaryTenants());
    canaries.forEach(tenant -> change(changes, "canary", null, tenant, from.isCanary(tenant), to.isCanary(tenant)));
    setting(changes, from, to, "approvals.default_deadline", p -> p.approvals().defaultDeadline());
    setting(changes, from, to, "approvals.sla_warning_fraction", p -> p.approvals().slaWarningFraction());
    setting(changes, from, to, "approvals.max_token_lifetime", p -> p.approvals().maxTokenLifetime());
    setting(changes, from, to, "duplicates.window", Policy::duplicateWindow);
    setting(changes, from, to, "limits.max_payload_bytes", Policy::maxPayloadBytes);
    limitRules(changes, from, to);
    setting(changes, from, to, "limits.slot_lease", p -> p.limits().slotLease());
    setting(changes, from, to, "retention.flow_owners", p -> p.retention().flowOwners());
    setting(changes, from, to, "retention.request_ids", p -> p.retention().requestIds());
    breakersAndEscalation(changes, from, to);
    return List.copyOf(changes);
  }

  /** Each rule of {@code limits.rules} added, removed or changed, by name ({@code limit}, the rule's name in the action column). */
  private static void limitRules(List<Change> changes, Policy from, Policy to) {
    java.util.Map<String, String> before = new java.util.TreeMap<>();
    from.limits().rules().forEach(r -> before.put(r.name(), r.describe()));
    java.util.Map<String, String> after = new java.util.TreeMap<>();
    to.limits().rules().forEach(r -> after.put(r.name(), r.describe()));
    Set<String> names = new TreeSet<>(before.keySet());
    names.addAll(after.keySet());
    names.forEach(name -> change(changes, "limit", name, ALL_TENANTS, before.getOrDefault(name, "none"), after.getOrDefault(name, "none")));
  }

  /** Each breaker, approver group and escalation chain that is added, removed or changed. */
  private static void breakersAndEscalation(List<Change> changes, Policy from, Policy to) {
    Set<String> breakers = new TreeSet<>();
    from.breakers().rules().forEach(r -> breakers.add(r.name()));
    to.breakers().rules().forEach(r -> breakers.add(r.name()));
    breakers.forEach(name -> setting(changes, from, to, "breakers." + name,
        p -> p.breakers().named(name).map(io.fabric.policy.breakers.BreakerRule::describe).orElse("none")));
    Set<String> groups = new TreeSet<>(from.escalation().groups().keySet());
    groups.addAll(to.escalation().groups().keySet());
    groups.forEach(group -> setting(changes, from, to, "approver_groups." + group,
        p -> java.util.Optional.ofNullable(p.escalation().groups().get(group)).map(Object::toString).orElse("none")));
    setting(changes, from, to, "escalation.default", p -> p.escalation().defaultChain());
    Set<String> chained = new TreeSet<>(from.escalation().chains().keySet());
    chained.addAll(to.escalation().chains().keySet());
    chained.forEach(action -> change(changes, "escalation", action, ALL_TENANTS, from.escalation().chainFor(action),
        to.escalation().chainFor(action)));
  }

  private static void setting(List<Change> changes, Policy from, Policy to, String key, Function<Policy, Object> value) {
    change(changes, key, null, ALL_TENANTS, value.apply(from), value.apply(to));
  }

  private static void change(List<Change> changes, String what, String action, String tenant, Object before, Object after) {
    if (!Objects.equals(before, after)) {
      changes.add(new Change(what, action, tenant, String.valueOf(before), String.valueOf(after)));
    }
  }
}
