package io.fabric.gateway.http;

import java.util.concurrent.ConcurrentHashMap;

/**
 * How many requests each API key has in flight, from the moment its headers arrive until its answer is
 * written: one key past {@code limit} is refused, so a single key holder cannot take every server thread
 * (trickling bodies) or every long poll, and other keys and the probes keep answering. A key's entry
 * disappears when its count is back to zero, so the map holds only the keys in use right now.
 */
final class KeyConcurrency {
  private final int limit;
  private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

  KeyConcurrency(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("the requests in flight per API key must be at least 1, not " + limit);
    }
    this.limit = limit;
  }

  int limit() {
    return limit;
  }

  /** Counts one more request of {@code key}, or refuses it (false) when the key already has {@code limit}. */
  boolean tryAcquire(String key) {
    boolean[] admitted = {false};
    inFlight.compute(key, (k, count) -> {
      int now = count == null ? 0 : count;
      if (now >= limit) {
        return count;
      }
      admitted[0] = true;
      return now + 1;
    });
    return admitted[0];
  }

  /** One request of {@code key} has been answered (or abandoned). */
  void release(String key) {
    inFlight.computeIfPresent(key, (k, count) -> count <= 1 ? null : count - 1);
  }

  int inFlight(String key) {
    return inFlight.getOrDefault(key, 0);
  }
}
