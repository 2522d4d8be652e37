package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.runtime.SnapshotValidity.Expected;
import io.fabric.plugins.runtime.SnapshotValidity.Log;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SnapshotValidityTest {
  private static final long TAKEN = 1_800_000_000_000L;
  private static final FlowStateSnapshot.Header HEADER = new FlowStateSnapshot.Header(1, 3,
      new FlowStateSnapshot.TopicPosition("flows.state", "S1", 500), new FlowStateSnapshot.TopicPosition("flows.intents", "I1", 40), TAKEN);

  private static Expected now(Log state, Log intents, long nowMillis) {
    return new Expected(1, 3, state, intents, nowMillis, Duration.ofHours(12));
  }

  private static final Log STATE = new Log("flows.state", "S1", 0, 900);
  private static final Log INTENTS = new Log("flows.intents", "I1", 10, 40);

  private static String rejection(Expected expected) {
    Optional<String> reason = SnapshotValidity.rejection(HEADER, expected);
    assertTrue(reason.isPresent(), "expected a rejection");
    return reason.get();
  }

  @Test
  void aSnapshotOfTheSameTopicsWithinTheirLogsIsUsed() {
    assertEquals(Optional.empty(), SnapshotValidity.rejection(HEADER, now(STATE, INTENTS, TAKEN + 60_000)));
    // its offsets may be the log's first and end offsets (retention deleted everything it had applied; nothing after it)
    assertEquals(Optional.empty(), SnapshotValidity.rejection(HEADER,
        now(new Log("flows.state", "S1", 500, 500), new Log("flows.intents", "I1", 40, 40), TAKEN)));
  }

  @Test
  void aTopicCreatedAgainUnderTheSameNameIsNotTheSnapshotsTopic() {
    assertTrue(rejection(now(new Log("flows.state", "S2", 0, 900), INTENTS, TAKEN)).contains("created again"));
    assertTrue(rejection(now(STATE, new Log("flows.intents", "I2", 0, 900), TAKEN)).contains("created again"));
  }

  @Test
  void recordsDeletedPastTheSnapshotOrALogShorterThanItRefuseIt() {
    assertTrue(rejection(now(new Log("flows.state", "S1", 501, 900), INTENTS, TAKEN)).contains("deleted up to 501"));
    assertTrue(rejection(now(STATE, new Log("flows.intents", "I1", 0, 39), TAKEN)).contains("ends at 39"));
  }

  @Test
  void aSnapshotOlderThanTheTombstoneRetentionOrFromTheFutureIsRefused() {
    assertTrue(rejection(now(STATE, INTENTS, TAKEN + Duration.ofHours(12).toMillis())).contains("old"));
    assertTrue(rejection(now(STATE, INTENTS, TAKEN - 1)).contains("future"));
  }

  @Test
  void anotherPartitionOrPartitionCountIsRefused() {
    assertTrue(rejection(new Expected(2, 3, STATE, INTENTS, TAKEN, Duration.ofHours(1))).contains("partition 1, not 2"));
    assertTrue(rejection(new Expected(1, 6, STATE, INTENTS, TAKEN, Duration.ofHours(1))).contains("3 partitions"));
    assertTrue(rejection(now(new Log("other.state", "S1", 0, 900), INTENTS, TAKEN)).contains("other.state"));
  }
}
