package io.fabric.dlq;

import io.fabric.schemas.topics.ReservedNames;
import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;

/**
 * Reading the provenance headers a replayed record carries (their names are in
 * {@link ReservedNames#REPLAY_HEADERS}). They are for people and tools: the policy gate rebuilds a
 * request's headers, so a task that fails after the gate has lost them, and the loop guard counts
 * the request's {@code ReplayLineage} generation as well (see {@link ReplayPlanner}).
 */
public final class ReplayHeaders {
  private ReplayHeaders() {}

  /**
   * How many times the lineage of a dead letter was replayed before it failed this time, as the
   * {@value ReservedNames#REPLAY_COUNT_HEADER} header it carried says; 0 without the header. Empty
   * when the header is there but is not a number, which the loop guard treats as a refusal.
   */
  public static OptionalInt lineageReplays(DeadLetterEntry entry) {
    return entry.originalHeader(ReservedNames.REPLAY_COUNT_HEADER).map(value -> {
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
