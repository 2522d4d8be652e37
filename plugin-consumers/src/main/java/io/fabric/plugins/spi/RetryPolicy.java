package io.fabric.plugins.spi;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter, only for retryable failures. */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(200), Duration.ofSeconds(10));

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
  }

  /** Delay before attempt {@code nextAttempt} (2 = first retry): random in [0, min(max, initial * 2^(n-2))]. */
  public Duration backoffBefore(int nextAttempt) {
    long cap = Math.min(maxBackoff.toMillis(), initialBackoff.toMillis() << Math.min(20, Math.max(0, nextAttempt - 2)));
    return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
  }
}
