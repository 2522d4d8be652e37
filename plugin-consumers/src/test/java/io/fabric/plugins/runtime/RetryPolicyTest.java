package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.spi.RetryPolicy;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
  private final RetryPolicy policy = new RetryPolicy(5, Duration.ofMillis(100), Duration.ofMillis(1_000));

  @Test
  void backoffGrowsExponentiallyWithinEqualJitterBoundsAndIsCapped() {
    long[][] bounds = {{50, 100}, {100, 200}, {200, 400}, {400, 800}, {500, 1_000}, {500, 1_000}};
    for (int i = 0; i < bounds.length; i++) {
      int nextAttempt = i + 2;
      for (int sample = 0; sample < 200; sample++) {
        long ms = policy.backoffBefore(nextAttempt).toMillis();
        assertTrue(ms >= bounds[i][0] && ms <= bounds[i][1], "attempt " + nextAttempt + ": " + ms);
      }
    }
  }

  @Test
  void backoffIsJittered() {
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      seen.add(policy.backoffBefore(3).toMillis());
    }
    assertTrue(seen.size() > 5, "spread: " + seen);
  }

  @Test
  void maxAttemptsCountsTheFirstCall() {
    assertTrue(RetryPolicy.DEFAULT.allowsAttemptAfter(1));
    assertTrue(RetryPolicy.DEFAULT.allowsAttemptAfter(2));
    assertFalse(RetryPolicy.DEFAULT.allowsAttemptAfter(3));
    assertFalse(new RetryPolicy(1, Duration.ZERO, Duration.ZERO).allowsAttemptAfter(1));
  }

  @Test
  void invalidPoliciesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(0, Duration.ZERO, Duration.ZERO));
    assertThrows(IllegalArgumentException.class, () -> new RetryPolicy(3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
  }
}
