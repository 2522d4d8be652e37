package io.fabric.plugins.runtime;

import io.fabric.schemas.topics.ReservedNames;
import java.util.Locale;

/**
 * The idempotency key a plugin gets (and sends to its vendor: Stripe's {@code Idempotency-Key}, the
 * CMS post meta, a contract's custom field, a webhook's header). The gate deduplicates by (tenant, key),
 * so two tenants may use the same key; with one vendor account for several tenants (one Stripe secret),
 * the bare key let one tenant's request be refused as another's idempotency error, or answered with (and
 * refunded through) another tenant's effect. {@link Mode#TENANT} sends {@code tenant:T:KEY} instead (a
 * tenant name has no {@code :}, so it is unambiguous; it is always added, so two different keys of a
 * tenant never meet at the vendor).
 *
 * <p>{@link Mode#BARE} stays the default because switching changes the key a vendor sees for the same
 * step: a runtime of an older version (which sends the bare key whatever the intent says) retrying a step
 * a newer one started, or a dead letter written before the switch and replayed after it, would be a new
 * operation to the vendor (a second charge). Every attempt of a step sends the key its intent recorded,
 * so a step retrying or in doubt when the mode changes keeps its first key.
 */
public final class VendorIdempotencyKey {
  /** What plugins get as the idempotency key ({@code fabric.plugin.runtime.vendor.keys}). */
  public enum Mode {
    /** The request's own key, as before this setting existed. */
    BARE,
    /** The request's key scoped to its tenant: for vendor accounts shared by tenants. */
    TENANT;

    /** {@code bare} or {@code tenant}, any case. */
    public static Mode parse(String setting, String value) {
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(setting + " must be bare or tenant, got '" + value + "'", e);
      }
    }
  }

  private VendorIdempotencyKey() {}

  /** {@code key} scoped to {@code tenant}; null when the request has no key. */
  public static String of(String tenant, String key) {
    return key == null ? null : ReservedNames.tenantPrefix(tenant) + key;
  }

  /** The key a plugin gets for a new step in {@code mode}. */
  public static String of(Mode mode, String tenant, String key) {
    return mode == Mode.TENANT ? of(tenant, key) : key;
  }
}
