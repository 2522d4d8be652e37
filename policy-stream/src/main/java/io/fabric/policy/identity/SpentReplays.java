package io.fabric.policy.identity;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Makes a replay work once. A first submission is single-use through its request id, but a replay
 * reuses the id of the request it replays, so the id cannot tell a copy of a replay from the replay:
 * a signed replay record captured off {@code fabric.tasks.replays} would run again each time it is
 * re-sent while its signature is fresh. The gate therefore spends each admitted replay's identity (the
 * request id and its lineage's dead letter id, generation and replayed-at, all covered by the
 * replayer's signature, so no copy can change them and still verify) and refuses it the second time.
 *
 * <p>Like {@code NonceLedger}, it holds no state: it reads and writes the gate's {@code used-replays}
 * store through two functions. The value kept is when the key may be forgotten: past the signature's
 * lifetime (max age and clock skew) a copy is refused as stale where it enters, plus a grace for the
 * time a copy admitted just before that may spend in the gate's repartition topics (and for gate
 * instances' clocks that differ). Measured from the later of replayed-at and the gate's clock, so an
 * unsigned replay (a gate without a submitter registry, which checks no freshness) is remembered too.
 */
public final class SpentReplays {
  /** Longer than any lag between the entry and the request-id stage, or clock difference, the gate tolerates (as for spent tokens). */
  public static final Duration GRACE = Duration.ofHours(1);

  /** Records that a replay key is spent, until the given epoch millis. */
  @FunctionalInterface
  public interface SpendRecorder {
    void record(String replayKey, Long retainUntilMillis);
  }

  private final Function<String, Long> spentUntil;
  private final SpendRecorder recordSpend;
  private final long lifetimeMillis;

  /**
   * @param spentUntil the stored retain-until of a replay key, or null when it was never spent (or forgotten)
   * @param signatureLifetime how long after replayed-at a replay's signature is still accepted, clock skew included
   */
  public SpentReplays(Function<String, Long> spentUntil, SpendRecorder recordSpend, Duration signatureLifetime) {
    this.spentUntil = Objects.requireNonNull(spentUntil);
    this.recordSpend = Objects.requireNonNull(recordSpend);
    this.lifetimeMillis = signatureLifetime.toMillis();
  }

  /**
   * Spends a replay: empty the first time (and records it), the refusal's detail every later time.
   * Call it only for a replay the gate admitted (signed by a replayer, fresh): a refused copy spends
   * nothing, so a forgery cannot burn a genuine replay. Not atomic across threads; a Streams task
   * processes one record at a time, which suffices.
   */
  public Optional<String> spend(TaskRequest replay, long now) {
    ReplayLineage lineage = Objects.requireNonNull(replay.getReplay(), "not a replay");
    String key = keyOf(replay);
    if (spentUntil.apply(key) != null) {
      return Optional.of("reused replay: replay " + lineage.getGeneration() + " of dead letter " + lineage.getDeadLetterId()
          + " (request " + replay.getRequestId() + ", replayed at " + Instant.ofEpochMilli(lineage.getReplayedAt()) + " by "
          + lineage.getReplayedBy() + ", signed by " + replay.getSubmitter() + ") was already admitted, and a replay runs once;"
          + " this copy is refused and the request keeps its status");
    }
    recordSpend.record(key, retainUntil(lineage.getReplayedAt(), now));
    return Optional.empty();
  }

  /** When a replay spent at {@code now} may be forgotten: no copy of it can be admitted any more, nor still be on its way. */
  long retainUntil(long replayedAt, long now) {
    return Math.max(replayedAt, now) + lifetimeMillis + GRACE.toMillis();
  }

  /** Whether a stored key may be dropped at {@code now}. */
  public static boolean forgettable(long retainUntilMillis, long now) {
    return retainUntilMillis <= now;
  }

  /**
   * The store key of a replay: SHA-256 over the request id and its lineage's dead letter id,
   * generation and replayed-at, each length-prefixed. Only signed fields, so a copy re-sent under
   * another Kafka key, partition or header has the same key; replayed-by and the original submitter
   * are left out since they cannot differ for one replayer's replay of one dead letter at one instant.
   */
  public static String keyOf(TaskRequest replay) {
    ReplayLineage lineage = Objects.requireNonNull(replay.getReplay(), "not a replay");
    return io.fabric.policy.FieldDigest.sha256Hex(replay.getRequestId(), lineage.getDeadLetterId(),
        Integer.toString(lineage.getGeneration()), Long.toString(lineage.getReplayedAt()));
  }

}
