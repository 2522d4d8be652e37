package io.fabric.dlq;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Spaces out republished records to at most {@code rate} per second. A slow stretch is not made
 * up with a burst afterwards: the next slot is never earlier than now.
 */
final class RatePacer {
  /** Waits; separate so tests can drive time without sleeping. */
  @FunctionalInterface
  interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  static final Sleeper REAL_SLEEP = TimeUnit.NANOSECONDS::sleep;

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private long next;
  private boolean started;

  RatePacer(double ratePerSecond, LongSupplier nanoTime, Sleeper sleeper) {
    this.intervalNanos = ratePerSecond <= 0 ? 0 : (long) Math.ceil(1_000_000_000d / ratePerSecond);
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  /** Blocks until the next record may go. */
  void acquire() throws InterruptedException {
    if (intervalNanos == 0) {
      return;
    }
    long now = nanoTime.getAsLong();
    if (!started || next - now < 0) {
      next = now;
      started = true;
    }
    long wait = next - now;
    if (wait > 0) {
      sleeper.sleepNanos(wait);
    }
    next += intervalNanos;
  }

  /**
   * Records per transaction: about a quarter second's worth when rate-limited, so a consumer sees
   * a steady flow rather than one burst per commit, and at most {@code max} otherwise.
   */
  static int batchSize(double rate, int max) {
    if (rate <= 0) {
      return max;
    }
    return (int) Math.max(1, Math.min(max, Math.ceil(rate / 4)));
  }
}
