package io.fabric.policy.limits;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Red team of the rate budget: the wall clock of the instance that owns a tenant's partition may step back (NTP, a rebalance to a host whose clock is behind). */
class RedTeamTokenBucketTest {
  private static final LimitRule.Rate ONE_PER_SECOND = new LimitRule.Rate(1, Duration.ofSeconds(1), 1);

  @Test
  void aClockThatStepsBackAnHourDoesNotFreezeTheBudgetForAnHour() {
    long ahead = 3_600_000L + 10_000L;
    // spent on an instance whose clock ran an hour ahead
    TokenBucket spent = TokenBucket.at(null, ONE_PER_SECOND, ahead).take();
    // the partition moves to an instance with the right clock; 5 s later
    long now = 10_000L;
    TokenBucket later = TokenBucket.at(TokenBucket.decode(TokenBucket.at(spent, ONE_PER_SECOND, now).encode()), ONE_PER_SECOND, now + 5_000L);

    assertTrue(later.hasToken(), "1 per second: 5 s after the clock stepped back the tenant may start again, not an hour later: " + later);
  }

  @Test
  void aClockThatStepsBackAndForthGivesAtMostTheBurst() {
    TokenBucket bucket = TokenBucket.at(null, ONE_PER_SECOND, 0L).take();
    bucket = TokenBucket.at(bucket, ONE_PER_SECOND, 100_000L);
    bucket = TokenBucket.at(bucket, ONE_PER_SECOND, 0L);
    bucket = TokenBucket.at(bucket, ONE_PER_SECOND, 100_000L);
    assertTrue(bucket.tokens() <= 1.0, "never more than the burst: " + bucket);
  }
}
