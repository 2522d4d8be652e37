package io.fabric.plugins.testing;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryPolicy;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code flaky_step} fails twice with a retryable error, then succeeds; {@code steady_step} always
 * succeeds; {@code hopeless_step} always fails retryably; {@code doomed_step} fails for good until
 * {@link #fixDoomedStep()} (the cause a person fixes before a replay).
 */
public final class FlakyPlugin implements FabricPlugin {
  public static final String NAME = "flaky";

  private final RetryPolicy retryPolicy;
  public final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  public final Map<String, AtomicInteger> effects = new ConcurrentHashMap<>();
  private volatile boolean doomedStepFixed;

  public FlakyPlugin(RetryPolicy retryPolicy) {
    this.retryPolicy = retryPolicy;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Set<String> taskTypes() {
    return Set.of("flaky_step", "steady_step", "hopeless_step", "doomed_step");
  }

  @Override
  public RetryPolicy retryPolicy() {
    return retryPolicy;
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    int call = calls.computeIfAbsent(context.requestId(), k -> new AtomicInteger()).incrementAndGet();
    switch (context.action()) {
      case "flaky_step" -> {
        if (call <= 2) {
          throw new RetryableTaskException("vendor answered 503 on call " + call);
        }
      }
      case "hopeless_step" -> throw new RetryableTaskException("vendor timed out on call " + call);
      case "doomed_step" -> {
        if (!doomedStepFixed) {
          throw new PermanentTaskException("vendor answered 422: card declined");
        }
      }
      default -> { }
    }
    effects.computeIfAbsent(context.requestId(), k -> new AtomicInteger()).incrementAndGet();
    return Map.of(context.action(), Map.of("call", call, "attempt", context.attempt()));
  }

  /** From now on {@code doomed_step} succeeds. */
  public void fixDoomedStep() {
    doomedStepFixed = true;
  }

  public int calls(String requestId) {
    AtomicInteger n = calls.get(requestId);
    return n == null ? 0 : n.get();
  }

  public int effects(String requestId) {
    AtomicInteger n = effects.get(requestId);
    return n == null ? 0 : n.get();
  }
}
