package io.fabric.plugins.spi;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often and how patiently a plugin's retryable failures are retried: exponential backoff with
 * "equal" jitter (half the capped delay fixed, half random) so retries of many tasks spread out
 * while the delay still grows. {@code maxAttempts} counts the first call.
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(10));

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (initialBackoff == null || maxBackoff == null || initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("backoffs must satisfy 0 <= initialBackoff <= maxBackoff");
    }
  }

  /** Whether another attempt may follow a retryable failure of attempt {@code attempt}. */
  public boolean allowsAttemptAfter(int attempt) {
    return attempt < maxAttempts;
  }

  /**
   * Delay before attempt {@code nextAttempt} (2 = first retry): with cap = min(max, initial * 2^(n-2)),
   * a random duration in [cap/2, cap].
   */
  public Duration backoffBefore(int nextAttempt) {
    long cap = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(20, Math.max(0, nextAttempt - 2)));
    long half = cap / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(cap - half + 1));
  }
}
