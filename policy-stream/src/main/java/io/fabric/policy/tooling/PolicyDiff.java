package io.fabric.policy.tooling;

import io.fabric.policy.ActionClass;
import io.fabric.policy.ApprovalRules;
import io.fabric.policy.Policy;
import io.fabric.policy.breakers.BreakerRule;
import io.fabric.policy.limits.LimitRule;
import io.fabric.policy.limits.PluginCap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What changes for requests when one policy replaces another: each action whose class changes (for
 * every tenant, or for one tenant when its change differs from everyone's), each action whose
 * quorum or deadline changes, canary tenants, the gate-wide settings, and each limit rule, plugin cap,
 * breaker, approver group and escalation chain added, removed or changed. Kafka-free; {@code fabric
 * policy diff OLD NEW} prints it. The policy has no per-submitter rules yet, so no change is per
 * submitter.
 */
public final class PolicyDiff {
  /** Every tenant: a change that applies to any tenant without rules of its own. */
  public static final String ALL_TENANTS = "*";
  // a tenant id the charset forbids, so no tenant rule can match it: classify() then answers for every tenant
  private static final String NO_TENANT = "";
  // the side of a named entry (limit rule, plugin cap, breaker, approver group) that does not have it
  private static final String NONE = "none";

  /**
   * One change: {@code what} is {@code class}, {@code quorum}, {@code deadline}, {@code canary}, {@code limit},
   * {@code plugin_cap}, {@code escalation} or a setting's policy key (e.g. {@code approvals.default_deadline},
   * {@code breakers.NAME}); {@code action} is the action, rule or plugin, null for a setting.
   */
  public record Change(String what, String action, String tenant, String from, String to) {
    public String line() {
      return String.format("%-28s %-28s tenant %-12s %s -> %s", what, action == null ? "-" : action, tenant, from, to);
    }
  }

  private PolicyDiff() {}

  /**
   * The changes from {@code from} to {@code to}: classes first, then quorums, deadlines, canaries, settings, limit rules and
   * plugin caps, breakers and escalation, each sorted.
   */
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
    limitRulesAndPluginCaps(changes, from, to);
    setting(changes, from, to, "limits.slot_lease", p -> p.limits().slotLease());
    setting(changes, from, to, "retention.flow_owners", p -> p.retention().flowOwners());
    setting(changes, from, to, "retention.request_ids", p -> p.retention().requestIds());
    breakersAndEscalation(changes, from, to);
    return List.copyOf(changes);
  }

  /**
   * Each rule of {@code limits.rules} and each cap of {@code limits.plugins} added, removed or changed, by name
   * ({@code limit} or {@code plugin_cap}, the rule's or plugin's name in the action column).
   */
  private static void limitRulesAndPluginCaps(List<Change> changes, Policy from, Policy to) {
    named(from.limits().rules(), to.limits().rules(), LimitRule::name, LimitRule::describe,
        (name, before, after) -> change(changes, "limit", name, ALL_TENANTS, before, after));
    named(from.limits().plugins().values(), to.limits().plugins().values(), PluginCap::plugin, PluginCap::describe,
        (name, before, after) -> change(changes, "plugin_cap", name, ALL_TENANTS, before, after));
  }

  /** Each breaker, approver group and escalation chain that is added, removed or changed. */
  private static void breakersAndEscalation(List<Change> changes, Policy from, Policy to) {
    named(from.breakers().rules(), to.breakers().rules(), BreakerRule::name, BreakerRule::describe,
        (name, before, after) -> change(changes, "breakers." + name, null, ALL_TENANTS, before, after));
    named(from.escalation().groups().entrySet(), to.escalation().groups().entrySet(), Map.Entry::getKey, group -> group.getValue().toString(),
        (group, before, after) -> change(changes, "approver_groups." + group, null, ALL_TENANTS, before, after));
    setting(changes, from, to, "escalation.default", p -> p.escalation().defaultChain());
    Set<String> chained = new TreeSet<>(from.escalation().chains().keySet());
    chained.addAll(to.escalation().chains().keySet());
    chained.forEach(action -> change(changes, "escalation", action, ALL_TENANTS, from.escalation().chainFor(action),
        to.escalation().chainFor(action)));
  }

  /** Reports one named entry whose description differs; {@link #NONE} stands for the side that lacks it. */
  private interface NamedChange {
    void report(String name, String before, String after);
  }

  /**
   * Each name on either side, sorted, with its description on each side: limit rules, plugin caps, breakers and approver
   * groups share this shape, so an entry added, removed or changed reads the same way for each.
   */
  private static <T> void named(Collection<T> from, Collection<T> to, Function<T, String> name, Function<T, String> describe,
                                NamedChange report) {
    Map<String, String> before = described(from, name, describe);
    Map<String, String> after = described(to, name, describe);
    Set<String> names = new TreeSet<>(before.keySet());
    names.addAll(after.keySet());
    names.forEach(n -> report.report(n, before.getOrDefault(n, NONE), after.getOrDefault(n, NONE)));
  }

  private static <T> Map<String, String> described(Collection<T> entries, Function<T, String> name, Function<T, String> describe) {
    Map<String, String> byName = new TreeMap<>();
    entries.forEach(entry -> byName.put(name.apply(entry), describe.apply(entry)));
    return byName;
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
