package io.fabric.policy.breakers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The breaker stage's state for one scope: a windowed counter per breaker, and the trip it raised
 * that no verified reset has lifted yet. Decides when a measurement trips a breaker, and what to do
 * when the board (what {@code fabric.breakers}' consumers believe) disagrees with the trip.
 */
public final class ScopeCounters {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How long to wait for the board to show a trip before writing it again. */
  public static final long REASSERT_AFTER_MILLIS = 10_000;

  private final Map<String, String> counters = new TreeMap<>();
  private BreakerTrip trip;
  private long assertedAt;

  public Optional<BreakerTrip> trip() {
    return Optional.ofNullable(trip);
  }

  /** Whether nothing is left to remember: no live counter, no trip. */
  public boolean isEmpty() {
    return trip == null && counters.isEmpty();
  }

  /**
   * Counts {@code m} in every breaker of {@code rules} that measures it for {@code scopeKey}. A scope
   * already tripped counts nothing more (its requests are paused) and trips once.
   *
   * @return the trip, when this measurement made a breaker reach its threshold
   */
  public Optional<BreakerTrip> observe(String scopeKey, BreakerRules rules, Measurement m, long now) {
    if (trip != null) {
      return Optional.empty();
    }
    for (BreakerRule rule : rules.rules()) {
      if (!m.countsFor(rule, scopeKey)) {
        continue;
      }
      WindowedCounter counter = WindowedCounter.decode(rule.window(), counters.get(rule.name()));
      counter.add(m.at(), m.amount(), now);
      double total = counter.total(now);
      counters.put(rule.name(), counter.encode());
      if (total >= rule.threshold()) {
        trip = new BreakerTrip(rule.name() + "@" + now, scopeKey, m.tenant() == null ? "" : m.tenant(), rule.name(), rule.describe(),
            total, now, rule.hold());
        assertedAt = now;
        counters.clear();
        return Optional.of(trip);
      }
    }
    prune(rules, now);
    return Optional.empty();
  }

  /** What to do about the trip this scope raised, given the board's entry for it. */
  public enum Sync { NOTHING, LIFTED, REASSERT }

  /**
   * A verified reset of this trip on the board lifts it here too (counting starts afresh). A board that
   * does not show the trip and has no verified reset of it lost it (a record written over it, then
   * compacted away): the trip is written again, at most every {@link #REASSERT_AFTER_MILLIS}.
   */
  public Sync sync(BreakerBoard.Entry board, long now) {
    if (trip == null) {
      return Sync.NOTHING;
    }
    if (board != null && board.reset() != null && board.reset().tripId().equals(trip.tripId())) {
      trip = null;
      counters.clear();
      return Sync.LIFTED;
    }
    boolean shown = board != null && board.trip() != null && board.trip().tripId().equals(trip.tripId());
    if (!shown && now - assertedAt >= REASSERT_AFTER_MILLIS) {
      assertedAt = now;
      return Sync.REASSERT;
    }
    return Sync.NOTHING;
  }

  private void prune(BreakerRules rules, long now) {
    Iterator<Map.Entry<String, String>> it = counters.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, String> e = it.next();
      Optional<BreakerRule> rule = rules.named(e.getKey());
      if (rule.isEmpty() || WindowedCounter.decode(rule.get().window(), e.getValue()).total(now) <= 0) {
        it.remove();
      }
    }
  }

  public String encode() {
    ObjectNode node = JSON.createObjectNode();
    ObjectNode c = node.putObject("counters");
    counters.forEach(c::put);
    if (trip != null) {
      node.put("trip", BreakerRecords.encode(trip));
      node.put("asserted_at", assertedAt);
    }
    return node.toString();
  }

  public static ScopeCounters decode(String text) {
    ScopeCounters state = new ScopeCounters();
    if (text == null) {
      return state;
    }
    try {
      JsonNode node = JSON.readTree(text);
      node.path("counters").properties().forEach(e -> state.counters.put(e.getKey(), e.getValue().asText()));
      if (node.hasNonNull("trip")) {
        state.trip = BreakerRecords.trip(node.get("trip").asText()).orElse(null);
        state.assertedAt = node.path("asserted_at").asLong();
      }
      return state;
    } catch (java.io.IOException e) {
      throw new IllegalStateException("unreadable breaker state: " + e.getMessage(), e);
    }
  }
}
