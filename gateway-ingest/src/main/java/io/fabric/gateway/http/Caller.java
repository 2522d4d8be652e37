package io.fabric.gateway.http;

import java.util.Set;

/**
 * Who called the gateway, as its credential says: an API key's holder or a submitter that signed a
 * read. The tenants come from the credential only; a request body never widens them.
 */
public record Caller(String name, Set<String> tenants) {
  public static final String ANY_TENANT = "*";

  /** The caller of a gateway that runs open (no API keys, no submitter registry): reads answer for every tenant. */
  public static Caller open() {
    return new Caller("anonymous", Set.of(ANY_TENANT));
  }

  public Caller {
    tenants = Set.copyOf(tenants);
  }

  public boolean mayActFor(String tenantId) {
    return tenantId != null && (tenants.contains(ANY_TENANT) || tenants.contains(tenantId));
  }

  /**
   * Whether a record of this tenant is the caller's to see: as {@link #mayActFor}, and a record without a
   * tenant (an undecodable dead letter) only for a caller of every tenant, since nobody can say whose it is.
   */
  public boolean sees(String tenantId) {
    return tenants.contains(ANY_TENANT) || mayActFor(tenantId);
  }

  /** The tenant a body that names none is for: the only one the credential allows, if there is exactly one. */
  public java.util.Optional<String> soleTenant() {
    return tenants.size() == 1 && !tenants.contains(ANY_TENANT) ? java.util.Optional.of(tenants.iterator().next()) : java.util.Optional.empty();
  }
}
