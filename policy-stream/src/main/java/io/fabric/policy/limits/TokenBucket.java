package io.fabric.policy.limits;

import java.util.Locale;

/**
 * A rate budget: {@code tokens} left as of {@code at} (epoch millis). It refills evenly at the rule's
 * rate up to its burst; a request takes one token. Stored as text so a restart keeps what was spent.
 */
public record TokenBucket(double tokens, long at) {
  /** The bucket at {@code now}: full for a budget never used; refilled since {@code previous} and capped at the burst (a lowered burst applies at once); a clock that steps back freezes nothing. */
  public static TokenBucket at(TokenBucket previous, LimitRule.Rate rate, long now) {
    if (previous == null) {
      return new TokenBucket(rate.burst(), now);
    }
    if (now < previous.at) {
      // the clock stepped back (NTP, or the partition moved to a host whose clock is behind): refill from now on,
      // instead of freezing the budget until the clock catches up with the last stamp; a step forward again gives at most the burst
      return new TokenBucket(Math.min(rate.burst(), previous.tokens), now);
    }
    long elapsed = now - previous.at;
    return new TokenBucket(Math.min(rate.burst(), previous.tokens + elapsed * rate.perMilli()), now);
  }

  public boolean hasToken() {
    return tokens >= 1.0;
  }

  public TokenBucket take() {
    return new TokenBucket(tokens - 1.0, at);
  }

  public String encode() {
    return String.format(Locale.ROOT, "%.6f;%d", tokens, at);
  }

  public static TokenBucket decode(String text) {
    if (text == null) {
      return null;
    }
    int semicolon = text.indexOf(';');
    return new TokenBucket(Double.parseDouble(text.substring(0, semicolon)), Long.parseLong(text.substring(semicolon + 1)));
  }
}
