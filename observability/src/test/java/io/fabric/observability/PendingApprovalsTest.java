package io.fabric.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PendingApprovalsTest {
  private final AtomicLong now = new AtomicLong(100_000);
  private final PendingApprovals pending = new PendingApprovals(now::get);

  @Test
  void sumsTheTasksAndAgesTheOldestAcrossThem() {
    pending.report("1_0", 2, 90_000);
    pending.report("1_1", 3, 40_000);
    pending.report("1_2", 0, 0);

    assertEquals(5, pending.count());
    assertEquals(60.0, pending.oldestAgeSeconds());
    now.addAndGet(5_000);
    assertEquals(65.0, pending.oldestAgeSeconds(), "the age grows between punctuations without a new report");
  }

  @Test
  void aTaskThatClosesTakesItsRequestsOut() {
    pending.report("1_0", 2, 90_000);
    pending.report("1_1", 3, 40_000);

    pending.forget("1_1");

    assertEquals(2, pending.count());
    assertEquals(10.0, pending.oldestAgeSeconds());
  }

  @Test
  void aNewReportReplacesTheTasksLastOneAndNothingPendingIsAgeZero() {
    pending.report("1_0", 4, 10_000);
    pending.report("1_0", 0, 10_000);

    assertEquals(0, pending.count());
    assertEquals(0.0, pending.oldestAgeSeconds(), "a count of 0 ignores the timestamp it came with");
  }

  @Test
  void theGaugesReadTheTracker() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    FabricMetrics metrics = new FabricMetrics(registry);
    metrics.pendingApprovals().report("1_0", 3, System.currentTimeMillis() - 30_000);

    assertEquals(3.0, registry.get(FabricMetrics.APPROVALS_PENDING).gauge().value());
    double age = registry.get(FabricMetrics.APPROVALS_OLDEST_AGE).gauge().value();
    assertEquals(30.0, age, 5.0);
  }
}
