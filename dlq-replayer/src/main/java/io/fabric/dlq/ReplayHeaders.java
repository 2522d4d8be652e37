package io.fabric.dlq;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;

/**
 * Provenance headers a replayed record carries, so a consumer can tell a replay from a first
 * delivery and the loop guard can count replays across generations of dead letters: when a
 * replayed record fails again, its new dead letter keeps these headers in {@code original_headers}.
 */
public final class ReplayHeaders {
  /** Id of the dead letter this record is a replay of. */
  public static final String REPLAY_OF = "fabric.replay.of";
  /** How many times this record's lineage has been replayed, this replay included (1 for a first replay). */
  public static final String REPLAY_COUNT = "fabric.replay.count";
  /** When it was replayed, ISO-8601 UTC. */
  public static final String REPLAY_AT = "fabric.replay.at";
  /** Who replayed it: the operating-system user that ran {@code fabric dlq replay}. */
  public static final String REPLAY_BY = "fabric.replay.by";

  public static final List<String> ALL = List.of(REPLAY_OF, REPLAY_COUNT, REPLAY_AT, REPLAY_BY);

  private ReplayHeaders() {}

  /**
   * How many times the lineage of a dead letter was replayed before it failed this time: the
   * {@value #REPLAY_COUNT} header it carried, 0 when it never was a replay. Empty when the header
   * is there but is not a number, which the loop guard treats as a refusal.
   */
  public static OptionalInt lineageReplays(DeadLetterEntry entry) {
    return entry.originalHeader(REPLAY_COUNT).map(value -> {
      String text = new String(value, StandardCharsets.UTF_8).strip();
      try {
        int count = Integer.parseInt(text);
        return count < 0 ? OptionalInt.empty() : OptionalInt.of(count);
      } catch (NumberFormatException e) {
        return OptionalInt.empty();
      }
    }).orElse(OptionalInt.of(0));
  }
}
