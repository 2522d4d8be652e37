package io.fabric.plugins.spi;

/** How a plugin avoids a second effect when an earlier attempt's outcome is unknown. */
public enum InDoubtSupport {
  /** The vendor deduplicates by the idempotency key we send (Stripe's Idempotency-Key). */
  VENDOR_IDEMPOTENCY,
  /** The plugin looks the effect up (by an external id) before acting again. */
  LOOKUP,
  /** The plugin has no effect outside the fabric (pure computation): calling it again is harmless. */
  SIDE_EFFECT_FREE,
  /** Neither: an in-doubt task goes to the DLQ for a person to decide. */
  NONE;

  public boolean canRetryInDoubt() {
    return this != NONE;
  }
}
