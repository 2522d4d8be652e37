package io.fabric.policy.breakers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Optional;

/**
 * What the consumers of {@code fabric.breakers} believe about one scope, and the only way it changes:
 * a well-formed trip under the scope's key trips it; a reset under {@code reset:SCOPE} lifts the
 * trip it names only when {@link BreakerResetVerifier} accepts it. Anything else (a tombstone,
 * garbage, an unsigned or forged reset, a reset of an earlier trip) changes nothing and is reported.
 */
public final class BreakerBoard {
  private static final ObjectMapper JSON = new ObjectMapper();

  private BreakerBoard() {}

  /** One scope: its latest trip, and the latest reset that was verified (lifting that trip when it names it). */
  public record Entry(BreakerTrip trip, BreakerReset reset) {
    public boolean tripped() {
      return trip != null && (reset == null || !reset.tripId().equals(trip.tripId()));
    }

    public String encode() {
      ObjectNode node = JSON.createObjectNode();
      if (trip != null) {
        node.put("trip", BreakerRecords.encode(trip));
      }
      if (reset != null) {
        node.put("reset", BreakerRecords.encode(reset));
      }
      return node.toString();
    }

    public static Entry decode(String text) {
      if (text == null) {
        return null;
      }
      try {
        JsonNode node = JSON.readTree(text);
        return new Entry(node.hasNonNull("trip") ? BreakerRecords.trip(node.get("trip").asText()).orElse(null) : null,
            node.hasNonNull("reset") ? BreakerRecords.reset(node.get("reset").asText()).orElse(null) : null);
      } catch (java.io.IOException e) {
        throw new IllegalStateException("unreadable breaker board entry: " + e.getMessage(), e);
      }
    }
  }

  /**
   * The outcome of one record: the scope it is about and its new entry, or a problem and no change.
   *
   * @param scope the scope key, or null when the record names none
   */
  public record Applied(String scope, Entry entry, String problem) {
    public boolean changed() {
      return problem == null;
    }
  }

  /**
   * @param current the scope's entry before this record (null: none); look it up by {@link #scopeOf(String)}
   * @param key the record's key on {@code fabric.breakers}
   */
  public static Applied apply(Entry current, String key, String value, BreakerResetVerifier verifier) {
    Optional<String> resetScope = BreakerScopes.resetOf(key);
    if (resetScope.isPresent()) {
      String scope = resetScope.get();
      Optional<BreakerReset> reset = BreakerRecords.reset(value).filter(r -> r.scope().equals(scope));
      if (reset.isEmpty()) {
        return new Applied(scope, current, "ignored a record under " + key + " that is not a reset of " + scope);
      }
      BreakerTrip inForce = current != null && current.tripped() ? current.trip() : null;
      Optional<String> problem = verifier.problem(reset.get(), inForce);
      if (problem.isPresent()) {
        return new Applied(scope, current, "refused a reset of " + scope + " by '" + reset.get().approver() + "': " + problem.get());
      }
      return new Applied(scope, new Entry(inForce, reset.get()), null);
    }
    if (BreakerScopes.isScopeKey(key)) {
      Optional<BreakerTrip> trip = BreakerRecords.trip(value).filter(t -> t.scope().equals(key));
      if (trip.isEmpty()) {
        return new Applied(key, current, "ignored a record under " + key + " that is not a trip of it: a breaker is lifted only by a signed"
            + " reset (fabric breakers reset)");
      }
      return new Applied(key, new Entry(trip.get(), current == null ? null : current.reset()), null);
    }
    return new Applied(null, current, "ignored a record under key " + key + ": neither a scope (tenant:NAME, submitter:NAME) nor reset:SCOPE");
  }

  /** The scope key a record key is about: the key itself, or the scope of a reset. */
  public static String scopeOf(String key) {
    return BreakerScopes.resetOf(key).orElse(key);
  }
}
