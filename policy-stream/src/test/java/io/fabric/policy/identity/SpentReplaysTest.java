package io.fabric.policy.identity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SpentReplaysTest {
  private static final long NOW = Instant.parse("2026-12-01T06:00:00Z").toEpochMilli();
  private static final Duration LIFETIME = Duration.ofMinutes(12);

  private final Map<String, Long> store = new HashMap<>();
  private final SpentReplays spent = new SpentReplays(store::get, store::put, LIFETIME);
  private final TaskRequest request = Submission.of("acme", "summarize").payload("{\"text\":\"hi\"}").toRequest(NOW - 3_600_000);

  private TaskRequest replay(String deadLetterId, int generation, long replayedAt) {
    return replay(request.getRequestId(), deadLetterId, generation, replayedAt, "ops@host", (byte) 1);
  }

  /** Built anew each time: a copy read off the topic is another object with the same fields. */
  private TaskRequest replay(String requestId, String deadLetterId, int generation, long replayedAt, String replayedBy, byte signature) {
    return TaskRequest.newBuilder(request).setRequestId(requestId).setSubmitter("dlq-replayer")
        .setSubmitterSignature(ByteBuffer.wrap(new byte[] {signature, 2, 3}))
        .setReplay(ReplayLineage.newBuilder().setDeadLetterId(deadLetterId).setGeneration(generation).setReplayedAt(replayedAt)
            .setReplayedBy(replayedBy).setOriginalSubmitter("agent").build())
        .build();
  }

  @Test
  void aReplayIsSpentTheFirstTimeAndRefusedAfter() {
    TaskRequest replay = replay("dl-1", 1, NOW);

    assertEquals(Optional.empty(), spent.spend(replay, NOW));
    Optional<String> again = spent.spend(replay("dl-1", 1, NOW), NOW + 60_000);

    assertTrue(again.isPresent());
    assertTrue(again.get().startsWith("reused replay: replay 1 of dead letter dl-1"), again.get());
    assertEquals(1, store.size());
  }

  @Test
  void anotherGenerationOrDeadLetterOrInstantIsAnotherReplay() {
    assertEquals(Optional.empty(), spent.spend(replay("dl-1", 1, NOW), NOW));

    assertEquals(Optional.empty(), spent.spend(replay("dl-2", 2, NOW + 1), NOW + 1));
    assertEquals(Optional.empty(), spent.spend(replay("dl-1", 2, NOW), NOW));
    assertEquals(Optional.empty(), spent.spend(replay("dl-1", 1, NOW + 1), NOW));
    assertEquals(4, store.size());
  }

  @Test
  void theKeyIsMadeOfSignedFieldsOnly() {
    TaskRequest replay = replay("dl-1", 1, NOW);
    // what is not under the replayer's signature, or cannot differ between copies, does not change the key
    TaskRequest resigned = replay(request.getRequestId(), "dl-1", 1, NOW, "someone@else", (byte) 9);
    assertEquals(SpentReplays.keyOf(replay), SpentReplays.keyOf(resigned));
    assertNotEquals(SpentReplays.keyOf(replay), SpentReplays.keyOf(replay("other-id", "dl-1", 1, NOW, "ops@host", (byte) 1)));
    // length-prefixed: moving characters between fields gives another key
    assertNotEquals(SpentReplays.keyOf(replay("dl-11", 1, NOW)), SpentReplays.keyOf(replay("dl-1", 11, NOW)));
  }

  @Test
  void aSpentReplayIsKeptPastItsSignaturesLifetimeAndTheGrace() {
    long replayedAt = NOW + Duration.ofMinutes(2).toMillis(); // signed by a clock ahead, within the skew
    spent.spend(replay("dl-1", 1, replayedAt), NOW);
    long until = store.values().iterator().next();

    assertEquals(replayedAt + LIFETIME.toMillis() + SpentReplays.GRACE.toMillis(), until);
    assertFalse(SpentReplays.forgettable(until, replayedAt + LIFETIME.toMillis()), "kept while a copy can still be admitted");
    assertTrue(SpentReplays.forgettable(until, until));
  }

  @Test
  void anUnsignedReplayWithAnOldReplayedAtIsKeptFromWhenItWasSpent() {
    // a gate without a submitter registry checks no freshness: replayed-at may be anything
    spent.spend(replay("dl-1", 1, 0L), NOW);

    assertEquals(NOW + LIFETIME.toMillis() + SpentReplays.GRACE.toMillis(), store.values().iterator().next());
  }
}
