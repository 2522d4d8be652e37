package io.fabric.policy.identity;

import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverRegistry;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which tenants' data a read may show: every tenant, or a set (the tenants named with {@code --tenant},
 * those of the submitter or approver named with {@code --as}, or both at once). The CLI's reads go
 * straight to Kafka, so this keeps a person or a script to its tenants; it does not replace Kafka
 * ACLs, which decide what a principal may read at all.
 *
 * @param tenants the tenants allowed, or null for every tenant
 */
public record TenantScope(Set<String> tenants) {
  public TenantScope {
    tenants = tenants == null ? null : Set.copyOf(tenants);
  }

  public static TenantScope any() {
    return new TenantScope(null);
  }

  /** Only {@code tenants}; every tenant when empty (no {@code --tenant} given). */
  public static TenantScope only(Collection<String> tenants) {
    return tenants == null || tenants.isEmpty() ? any() : new TenantScope(Set.copyOf(tenants));
  }

  /** The tenants a submitter may act for, or an approver may approve for. */
  public static TenantScope of(Approver party) {
    return party.tenants().contains(Approver.ANY) ? any() : new TenantScope(party.tenants());
  }

  /**
   * The scope of a CLI read: the {@code --tenant}s given, narrowed to the tenants of {@code as} when
   * given, looked up in the submitter registry or else the approver registry.
   *
   * @throws IllegalArgumentException (one line) when {@code as} is given without a registry or is not
   *     in it, or when the tenants asked for are all outside its scope
   */
  public static TenantScope resolve(Collection<String> tenants, String as, Path submitters, Path approvers) {
    TenantScope asked = only(tenants);
    if (as == null) {
      if (submitters != null || approvers != null) {
        throw new IllegalArgumentException("--submitters/--approvers name a registry for --as NAME; give --as too");
      }
      return asked;
    }
    if ((submitters == null) == (approvers == null)) {
      throw new IllegalArgumentException("--as " + as + " needs the registry it is in: give one of --submitters FILE or --approvers FILE");
    }
    ApproverRegistry registry = submitters != null
        ? ApproverRegistry.load(ApproverRegistry.Role.SUBMITTERS, submitters)
        : ApproverRegistry.load(ApproverRegistry.Role.APPROVERS, approvers);
    Approver party = registry.find(as).orElseThrow(() -> new IllegalArgumentException("--as " + as + ": no such "
        + (submitters != null ? "submitter in " + submitters : "approver in " + approvers)));
    TenantScope scope = asked.and(of(party));
    if (scope.tenants() != null && scope.tenants().isEmpty()) {
      throw new IllegalArgumentException("--tenant " + String.join(",", new TreeSet<>(asked.tenants())) + " is outside the tenants of " + as
          + " (" + of(party).describe() + ")");
    }
    return scope;
  }

  /** The tenants both scopes allow. */
  public TenantScope and(TenantScope other) {
    if (tenants == null) {
      return other;
    }
    if (other.tenants == null) {
      return this;
    }
    Set<String> both = new TreeSet<>(tenants);
    both.retainAll(other.tenants);
    return new TenantScope(both);
  }

  public boolean unrestricted() {
    return tenants == null;
  }

  /** Whether a record of {@code tenantId} may be shown; a record without a tenant only to an unrestricted read. */
  public boolean allows(String tenantId) {
    return tenants == null || (tenantId != null && tenants.contains(tenantId));
  }

  /** {@code every tenant}, or the tenants, sorted and comma-separated. */
  public String describe() {
    return tenants == null ? "every tenant" : String.join(",", new TreeSet<>(tenants));
  }
}
