package io.fabric.agents.router;

import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * How often and how patiently one provider is asked: {@code attempts} calls at most, waiting
 * {@code initial * multiplier^(n-1)} (capped at {@code max}) after the n-th failure, of which the
 * {@code jitter} share is random so that many runs failing together do not retry in step.
 */
public record RetryPolicy(int attempts, Duration initial, double multiplier, Duration max, double jitter) {
  /** The seed's: 3 attempts, 0.5 s then 1 s (each up to 50% less, at random), never more than 8 s. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(3, Duration.ofMillis(500), 2.0, Duration.ofSeconds(8), 0.5);

  public RetryPolicy {
    if (attempts < 1 || multiplier < 1 || jitter < 0 || jitter > 1 || initial.isNegative() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("retry policy needs attempts >= 1, multiplier >= 1, jitter in [0, 1], initial <= max");
    }
  }

  /**
   * The wait after failed attempt {@code failed} (1-based); {@code random} is in [0, 1).
   * The exponential delay loses up to {@code jitter} of itself at random ("equal jitter").
   */
  public Duration delayAfter(int failed, DoubleSupplier random) {
    double base = Math.min(max.toNanos(), initial.toNanos() * Math.pow(multiplier, failed - 1));
    return Duration.ofNanos((long) (base * (1 - jitter * random.getAsDouble())));
  }

  /**
   * The wait before the next attempt when the provider asked for {@code retryAfter}: at least that,
   * or empty when it is longer than {@link #max()} (then the next provider is better than waiting).
   */
  public Optional<Duration> delayAfter(int failed, DoubleSupplier random, Optional<Duration> retryAfter) {
    Duration delay = delayAfter(failed, random);
    if (retryAfter.isEmpty()) {
      return Optional.of(delay);
    }
    if (retryAfter.get().compareTo(max) > 0) {
      return Optional.empty();
    }
    return Optional.of(retryAfter.get().compareTo(delay) > 0 ? retryAfter.get() : delay);
  }
}
