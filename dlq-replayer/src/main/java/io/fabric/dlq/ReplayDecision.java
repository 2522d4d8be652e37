package io.fabric.dlq;

/**
 * What a replay does with one selected dead letter, decided before anything is published.
 * {@code replayCount} is the {@value io.fabric.schemas.topics.ReservedNames#REPLAY_COUNT_HEADER} header and
 * the {@code ReplayLineage} generation the republished record would carry.
 */
public record ReplayDecision(DeadLetterEntry entry, Action action, String targetTopic, int replayCount, String detail) {
  public enum Action {
    /** Republish it. */
    REPLAY,
    /** Its replay to this target is already committed (or it repeats an id seen earlier in this run). */
    ALREADY_REPLAYED,
    /** Never republished by this run: loop guard, unreadable record, or no topic to send it to. */
    REFUSED
  }
}
