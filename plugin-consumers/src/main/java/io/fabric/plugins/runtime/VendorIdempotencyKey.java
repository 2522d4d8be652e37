package io.fabric.plugins.runtime;

import io.fabric.schemas.topics.ReservedNames;

/**
 * The idempotency key a plugin gets (and sends to its vendor: Stripe's {@code Idempotency-Key}, the
 * CMS post meta, a contract's custom field, a webhook's header): the request's key scoped to its
 * tenant, {@code tenant:T:KEY}. The gate deduplicates by (tenant, key), so two tenants may use the
 * same key; with one vendor account for several tenants (one Stripe secret), the bare key let one
 * tenant's request be answered with, found as, or refunded through another tenant's effect. A
 * tenant name has no {@code :}, so the scoped form is unambiguous; it is always added (a key that
 * already looks scoped is scoped again), so two different keys of a tenant never meet at the vendor.
 */
public final class VendorIdempotencyKey {
  private VendorIdempotencyKey() {}

  /** {@code key} scoped to {@code tenant}; null when the request has no key. */
  public static String of(String tenant, String key) {
    return key == null ? null : ReservedNames.TENANT_SCOPED_ID_PREFIX + tenant + ":" + key;
  }
}
