package io.fabric.policy.breakers;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * A sum over a sliding window kept in ten buckets, so its size stays bounded however many events
 * arrive (a flood under many request ids costs ten numbers, not one entry per request). The window
 * is approximate by one bucket: the oldest bucket counts until all of it has left the window.
 * Mutable; one per breaker and scope, encoded into the breaker stage's store.
 */
public final class WindowedCounter {
  static final int BUCKETS = 10;
  private final long windowMillis;
  private final long bucketMillis;
  /** bucket index (start / bucketMillis) to sum */
  private final TreeMap<Long, Double> buckets = new TreeMap<>();

  public WindowedCounter(Duration window) {
    this.windowMillis = window.toMillis();
    this.bucketMillis = Math.max(1, windowMillis / BUCKETS);
  }

  /** Adds {@code amount} at {@code at} (clamped to {@code now}: a future timestamp cannot stretch the window); older than the window: ignored. */
  public void add(long at, double amount, long now) {
    long when = Math.min(at, now);
    if (when <= now - windowMillis || amount <= 0 || !Double.isFinite(amount)) {
      forgetBefore(now);
      return;
    }
    buckets.merge(when / bucketMillis, amount, Double::sum);
    forgetBefore(now);
  }

  public double total(long now) {
    forgetBefore(now);
    return buckets.values().stream().mapToDouble(Double::doubleValue).sum();
  }

  /** Number of buckets held: at most {@link #BUCKETS} + 1. */
  int size() {
    return buckets.size();
  }

  private void forgetBefore(long now) {
    long oldestLive = (now - windowMillis) / bucketMillis;
    buckets.headMap(oldestLive, false).clear();
  }

  /** {@code index=sum;index=sum}. */
  public String encode() {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<Long, Double> e : buckets.entrySet()) {
      if (text.length() > 0) {
        text.append(';');
      }
      text.append(e.getKey()).append('=').append(e.getValue());
    }
    return text.toString();
  }

  public static WindowedCounter decode(Duration window, String text) {
    WindowedCounter counter = new WindowedCounter(window);
    if (text != null && !text.isEmpty()) {
      for (String part : text.split(";")) {
        int eq = part.indexOf('=');
        counter.buckets.put(Long.parseLong(part.substring(0, eq)), Double.parseDouble(part.substring(eq + 1)));
      }
    }
    return counter;
  }
}
