package io.fabric.policy.breakers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WindowedCounterTest {
  private static final Duration TEN_MINUTES = Duration.ofMinutes(10);
  private static final long T0 = 1_800_000_000_000L;

  @Test
  void countsWhatIsInsideTheWindowAndForgetsWhatLeftIt() {
    WindowedCounter counter = new WindowedCounter(TEN_MINUTES);
    counter.add(T0, 1, T0);
    counter.add(T0 + 60_000, 2, T0 + 60_000);
    assertEquals(3, counter.total(T0 + 60_000));
    // eleven minutes after the first: it has left the window, the second has not
    assertEquals(2, counter.total(T0 + 11 * 60_000));
    assertEquals(0, counter.total(T0 + 12 * 60_000));
  }

  @Test
  void anEventOlderThanTheWindowCountsNothingAndAFutureTimestampCountsAsNow() {
    WindowedCounter counter = new WindowedCounter(TEN_MINUTES);
    counter.add(T0 - TEN_MINUTES.toMillis() - 1, 5, T0);
    assertEquals(0, counter.total(T0));
    counter.add(T0 + Duration.ofDays(30).toMillis(), 1, T0);
    assertEquals(1, counter.total(T0));
    assertEquals(0, counter.total(T0 + TEN_MINUTES.toMillis() + 60_001), "a future timestamp cannot keep an event in the window");
  }

  @Test
  void aFloodStaysTenBucketsAndSurvivesEncoding() {
    WindowedCounter counter = new WindowedCounter(TEN_MINUTES);
    for (int i = 0; i < 100_000; i++) {
      long at = T0 + i * 10L;
      counter.add(at, 1, at);
    }
    assertTrue(counter.size() <= WindowedCounter.BUCKETS + 1, "buckets: " + counter.size());
    long now = T0 + 999_990;
    WindowedCounter copy = WindowedCounter.decode(TEN_MINUTES, counter.encode());
    assertEquals(counter.total(now), copy.total(now));
    assertTrue(copy.total(now) >= 60_000, "at least the last ten minutes' events count: " + copy.total(now));
  }
}
