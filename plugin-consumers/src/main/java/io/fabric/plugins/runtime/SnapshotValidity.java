package io.fabric.plugins.runtime;

import java.time.Duration;
import java.util.Optional;

/**
 * Whether a decoded {@link FlowStateSnapshot} of a partition may stand in for reading that
 * partition from the beginning. A snapshot is used only if loading it and then reading from its
 * offsets gives what a full read would: same topics (ids, not just names), same partitioning, its
 * offsets still in the log, and young enough that no tombstone written after it can have been
 * compacted away (a tombstone lives at least {@code delete.retention.ms} after it became readable,
 * and every record after the snapshot's offsets became readable after its catch-up started).
 *
 * <p>Kafka-free: the caller reads the topics' ids, offsets and retention from the cluster.
 */
final class SnapshotValidity {
  private SnapshotValidity() {}

  /** What the cluster says about one of the two topics' partition now. */
  record Log(String topic, String topicId, long startOffset, long endOffset) {}

  /**
   * What the snapshot must match.
   *
   * @param maxAge how old a snapshot may be: less than the topics' {@code delete.retention.ms}
   *               (the caller leaves a margin for clock skew between this host and the brokers)
   */
  record Expected(int partition, int partitions, Log state, Log intents, long nowMillis, Duration maxAge) {}

  /** Why the snapshot must not be used, or empty when it may. */
  static Optional<String> rejection(FlowStateSnapshot.Header header, Expected expected) {
    if (header.partition() != expected.partition()) {
      return Optional.of("it is of partition " + header.partition() + ", not " + expected.partition());
    }
    if (header.partitions() != expected.partitions()) {
      return Optional.of("it was taken with " + header.partitions() + " partitions, the topics have " + expected.partitions());
    }
    Optional<String> state = mismatch(header.state(), expected.state());
    if (state.isPresent()) {
      return state;
    }
    Optional<String> intents = mismatch(header.intents(), expected.intents());
    if (intents.isPresent()) {
      return intents;
    }
    long age = expected.nowMillis() - header.caughtUpAtMillis();
    if (age < 0) {
      return Optional.of("it was taken " + Duration.ofMillis(-age) + " in the future (clock moved back)");
    }
    if (age >= expected.maxAge().toMillis()) {
      return Optional.of("it is " + Duration.ofMillis(age) + " old, more than " + expected.maxAge()
          + ": a tombstone written after it may have been compacted away");
    }
    return Optional.empty();
  }

  private static Optional<String> mismatch(FlowStateSnapshot.TopicPosition taken, Log now) {
    if (!taken.topic().equals(now.topic())) {
      return Optional.of("it is of topic " + taken.topic() + ", not " + now.topic());
    }
    if (!taken.topicId().equals(now.topicId())) {
      return Optional.of(now.topic() + " was created again (id " + taken.topicId() + " then, " + now.topicId() + " now)");
    }
    if (taken.offset() < now.startOffset()) {
      return Optional.of(now.topic() + " was deleted up to " + now.startOffset() + ", past the snapshot's offset " + taken.offset()
          + ": records it never applied are gone");
    }
    if (taken.offset() > now.endOffset()) {
      return Optional.of(now.topic() + " ends at " + now.endOffset() + ", before the snapshot's offset " + taken.offset()
          + ": the log lost records the snapshot applied");
    }
    return Optional.empty();
  }
}
