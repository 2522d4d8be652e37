package io.fabric.plugins.testing;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.TaskContext;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A slow vendor call with an effect and no way to verify it ({@link InDoubtSupport#NONE}): counts the
 * effects per idempotency key, the calls per runtime thread, and the most calls of one key that
 * were ever running at the same time.
 */
public final class SlowEffectPlugin implements FabricPlugin {
  public static final String NAME = "slowfx";
  public static final String ACTION = "slow_effect";

  public final Map<String, AtomicInteger> effectsByKey = new ConcurrentHashMap<>();
  public final Map<String, AtomicInteger> callsByThread = new ConcurrentHashMap<>();
  public final AtomicInteger calls = new AtomicInteger();
  public final AtomicInteger mostConcurrentCallsOfOneKey = new AtomicInteger();
  private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
  private final Duration callTime;

  public SlowEffectPlugin(Duration callTime) {
    this.callTime = callTime;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> taskTypes() {
    return Set.of(ACTION);
  }

  /** An honest declaration: the call plus a fifth, as a vendor plugin's timeouts bound its calls. */
  @Override
  public java.util.Optional<Duration> worstCaseCall() {
    return java.util.Optional.of(callTime.plus(callTime.dividedBy(5)));
  }

  @Override
  public InDoubtSupport inDoubtSupport() {
    return InDoubtSupport.NONE;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
    calls.incrementAndGet();
    callsByThread.computeIfAbsent(Thread.currentThread().getName(), t -> new AtomicInteger()).incrementAndGet();
    AtomicInteger inFlight = running.computeIfAbsent(context.idempotencyKey(), k -> new AtomicInteger());
    mostConcurrentCallsOfOneKey.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
    try {
      effectsByKey.computeIfAbsent(context.idempotencyKey(), k -> new AtomicInteger()).incrementAndGet();
      // the vendor takes its time: a fixed-length call, as a slow HTTP round trip would
      long until = System.nanoTime() + callTime.toNanos();
      for (long left = callTime.toNanos(); left > 0; left = until - System.nanoTime()) {
        LockSupport.parkNanos(left);
      }
      return Map.of("effect", Map.of("key", context.idempotencyKey()));
    } finally {
      inFlight.decrementAndGet();
    }
  }
}
