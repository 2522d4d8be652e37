package io.fabric.policy.breakers;

import io.fabric.policy.PolicyPublisher;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.TopicCatalog;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What {@code fabric breakers list|reset} do against a running fabric: read {@code fabric.breakers}
 * the way the gate does ({@link BreakerBoard}, record by record), and write a signed reset.
 */
public final class BreakerCenter {
  private final KafkaConnection connection;
  private final TopicCatalog catalog;

  public BreakerCenter(KafkaConnection connection, TopicCatalog catalog) {
    this.connection = connection;
    this.catalog = catalog;
  }

  /**
   * One scope as the topic shows it: its latest trip, whether it is tripped, and the reset that names
   * that trip if any ({@code verified} when a registry was given and the reset passed it).
   */
  public record Row(BreakerTrip trip, boolean tripped, BreakerReset reset, boolean verified) {}

  /**
   * Every scope that has tripped, by scope key. With {@code verifier}, a reset counts only when it
   * verifies, as in the gate; without one, no reset counts (a forged one must not hide a trip), and
   * the latest reset that names the trip is shown beside it, unverified.
   */
  public Map<String, Row> board(Optional<BreakerResetVerifier> verifier) {
    Map<String, BreakerBoard.Entry> entries = new TreeMap<>();
    Map<String, BreakerReset> claimed = new TreeMap<>();
    BreakerResetVerifier trust = verifier.orElse(null);
    LatestByKeyReader.scan(connection, catalog.breakers, record -> {
      if (record.key() == null) {
        return;
      }
      String scope = BreakerBoard.scopeOf(record.key());
      BreakerBoard.Entry current = entries.get(scope);
      if (trust == null) {
        // unverified: note a reset that names the trip in force, and keep trips as the board would
        BreakerScopes.resetOf(record.key()).flatMap(s -> BreakerRecords.reset(record.value())).ifPresent(r -> claimed.put(scope, r));
        BreakerBoard.Applied applied = BreakerBoard.apply(current, record.key(), record.value(), BreakerResetVerifier.nobody());
        if (applied.changed()) {
          entries.put(scope, applied.entry());
        }
        return;
      }
      BreakerBoard.Applied applied = BreakerBoard.apply(current, record.key(), record.value(), trust);
      if (applied.changed()) {
        entries.put(scope, applied.entry());
      }
    });
    Map<String, Row> rows = new TreeMap<>();
    entries.forEach((scope, entry) -> {
      if (entry.trip() == null) {
        return;
      }
      if (trust != null) {
        rows.put(scope, new Row(entry.trip(), entry.tripped(), entry.tripped() ? null : entry.reset(), !entry.tripped()));
      } else {
        BreakerReset reset = claimed.get(scope);
        boolean named = reset != null && reset.tripId().equals(entry.trip().tripId());
        rows.put(scope, new Row(entry.trip(), true, named ? reset : null, false));
      }
    });
    return rows;
  }

  /**
   * The tripped scope {@code name} means: a scope key ({@code tenant:acme}), or a bare name that is
   * exactly one tripped tenant or submitter.
   *
   * @throws IllegalArgumentException when nothing, or more than one scope, is tripped under that name
   */
  public static Row resolve(Map<String, Row> board, String name) {
    List<String> matches = new ArrayList<>();
    board.forEach((scope, row) -> {
      if (row.tripped() && (scope.equals(name) || scope.substring(scope.indexOf(':') + 1).equals(name))) {
        matches.add(scope);
      }
    });
    if (matches.isEmpty()) {
      throw new IllegalArgumentException("no tripped breaker for " + name + " (fabric breakers list shows them)");
    }
    if (matches.size() > 1) {
      throw new IllegalArgumentException(name + " is ambiguous: " + String.join(" and ", matches) + " are both tripped; name one of them");
    }
    return board.get(matches.get(0));
  }

  /** Signs and writes a reset of {@code trip}; the gate lifts the trip once it verifies the signature. */
  public BreakerReset reset(BreakerTrip trip, String approver, PrivateKey key, String reason, long now) {
    BreakerReset reset = BreakerResetVerifier.sign(approver, key, trip, reason, now);
    PolicyPublisher.writeText(connection, catalog.breakers, BreakerScopes.resetKey(trip.scope()), BreakerRecords.encode(reset));
    return reset;
  }
}
