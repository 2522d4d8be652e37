package io.fabric.observability;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * What the pending-approval gauges read: each gate task reports its count and oldest
 * {@code pending_since} from the SLA punctuator, which scans its store anyway, and forgets its entry
 * when the task closes. A scrape only sums a handful of entries (one per task), never a store.
 * Values are as fresh as the punctuator's interval (a second by default).
 */
public final class PendingApprovals {
  /** No request is pending. */
  public static final long NONE = Long.MAX_VALUE;

  private record Report(long count, long oldestSinceMillis) {}

  private final Map<String, Report> byTask = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  public PendingApprovals() {
    this(System::currentTimeMillis);
  }

  PendingApprovals(LongSupplier clock) {
    this.clock = clock;
  }

  /** A task's pending requests: how many, and since when the oldest waits ({@link #NONE} when none). */
  public void report(String task, long count, long oldestSinceMillis) {
    byTask.put(task, new Report(count, count == 0 ? NONE : oldestSinceMillis));
  }

  /** The task closed (revoked, migrated, app stopped): its requests are another instance's now. */
  public void forget(String task) {
    byTask.remove(task);
  }

  public long count() {
    return byTask.values().stream().mapToLong(Report::count).sum();
  }

  /** Seconds the oldest pending request has waited; 0 when none waits. */
  public double oldestAgeSeconds() {
    long oldest = byTask.values().stream().mapToLong(Report::oldestSinceMillis).min().orElse(NONE);
    return oldest == NONE ? 0 : Math.max(0, clock.getAsLong() - oldest) / 1000.0;
  }

  void bindTo(MeterRegistry registry) {
    Gauge.builder(FabricMetrics.APPROVALS_PENDING, this, PendingApprovals::count)
        .description("requests waiting for approval in this process's gate tasks").register(registry);
    Gauge.builder(FabricMetrics.APPROVALS_OLDEST_AGE, this, PendingApprovals::oldestAgeSeconds).baseUnit("seconds")
        .description("how long the oldest pending request has waited").register(registry);
  }
}
