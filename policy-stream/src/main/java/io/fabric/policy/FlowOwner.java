package io.fabric.policy;

/**
 * Who owns a flow and when it last saw a request: the value of the gate's {@code flow-owners}
 * store, {@code <tenant>|<last seen epoch millis>}. Tenants cannot contain {@code |}
 * ({@link io.fabric.schemas.records.Identifiers}), so the encoding is unambiguous. Values written
 * before ownership expired are a bare tenant; they read with an unknown last-seen time, which the
 * gate's purge replaces with "now", so they expire one retention after the upgrade.
 */
public record FlowOwner(String tenant, long lastSeenMillis) {
  public static final long UNKNOWN = -1;

  public static FlowOwner decode(String stored) {
    if (stored == null) {
      return null;
    }
    int bar = stored.lastIndexOf('|');
    if (bar < 0) {
      return new FlowOwner(stored, UNKNOWN);
    }
    try {
      return new FlowOwner(stored.substring(0, bar), Long.parseLong(stored.substring(bar + 1)));
    } catch (NumberFormatException e) {
      return new FlowOwner(stored, UNKNOWN);
    }
  }

  public String encode() {
    return tenant + "|" + lastSeenMillis;
  }

  /** Whether ownership lapsed: no request of the flow for {@code retentionMillis}. */
  public boolean expired(long now, long retentionMillis) {
    return lastSeenMillis != UNKNOWN && now - lastSeenMillis >= retentionMillis;
  }
}
