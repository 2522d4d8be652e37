package io.fabric.plugins.testing;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-memory payment vendor that honours idempotency keys as Stripe does: a repeated key returns
 * the first call's object and creates nothing. Records every effect so tests can count them.
 */
public final class VendorStub {
  public record Charge(String id, String idempotencyKey, long amount, boolean refundable) {}

  public record Refund(String id, String chargeId, String idempotencyKey) {}

  private final Map<String, Charge> chargesByKey = new LinkedHashMap<>();
  private final Map<String, Refund> refundsByKey = new LinkedHashMap<>();
  private final AtomicInteger calls = new AtomicInteger();

  public synchronized Charge charge(String idempotencyKey, long amount, boolean refundable) {
    calls.incrementAndGet();
    return chargesByKey.computeIfAbsent(idempotencyKey,
        k -> new Charge("ch_" + (chargesByKey.size() + 1), k, amount, refundable));
  }

  public synchronized Refund refund(String idempotencyKey, String chargeId) {
    calls.incrementAndGet();
    Charge charge = chargesByKey.values().stream().filter(c -> c.id().equals(chargeId)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no such charge " + chargeId));
    if (!charge.refundable()) {
      throw new IllegalStateException("charge " + chargeId + " cannot be refunded");
    }
    return refundsByKey.computeIfAbsent(idempotencyKey, k -> new Refund("re_" + (refundsByKey.size() + 1), chargeId, k));
  }

  public synchronized List<Charge> charges() {
    return new ArrayList<>(chargesByKey.values());
  }

  /** Refunded charge ids in the order the refunds happened. */
  public synchronized List<String> refundedCharges() {
    return refundsByKey.values().stream().map(Refund::chargeId).toList();
  }

  public int calls() {
    return calls.get();
  }
}
