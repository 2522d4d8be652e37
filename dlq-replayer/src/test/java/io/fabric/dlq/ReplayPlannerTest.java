package io.fabric.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.KafkaHeader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayPlannerTest {
  private static final String INGRESS = "fabric.tasks.ingress";
  private static final Instant AT = Instant.parse("2026-11-25T12:00:00Z");

  private final ReplayLedger ledger = ReplayLedger.empty();

  private static DeadLetterEntry failed(int n) {
    return entry(DeadLetterSamples.executionFailed(INGRESS, n, AT, "http", "acme", "flow-" + n, "send",
        new IOException("boom"), 2));
  }

  private static DeadLetterEntry entry(DeadLetter deadLetter) {
    return DeadLetterEntry.decoded(0, 0, deadLetter.getAt(), null, new byte[0], deadLetter);
  }

  private static ReplayDecision only(List<ReplayDecision> decisions) {
    assertEquals(1, decisions.size());
    return decisions.get(0);
  }

  @Test
  void aFreshDeadLetterGoesBackToItsOriginalTopicAsReplayOne() {
    ReplayDecision decision = only(ReplayPlanner.plan(List.of(failed(1)), ledger, ReplayOptions.defaults()));

    assertEquals(ReplayDecision.Action.REPLAY, decision.action());
    assertEquals(INGRESS, decision.targetTopic());
    assertEquals(1, decision.replayCount());
  }

  @Test
  void toTopicOverridesTheOriginalTopic() {
    ReplayDecision decision = only(ReplayPlanner.plan(List.of(failed(1)), ledger, ReplayOptions.defaults().withToTopic("scratch")));

    assertEquals("scratch", decision.targetTopic());
  }

  @Test
  void aDeadLetterReplayedToTheSameTopicIsSkippedButMayStillGoToAnotherTopic() {
    DeadLetterEntry entry = failed(1);
    ledger.put(ledger.withReplay(entry.id(), new ReplayLedger.Replay("scratch", 1, AT, "alice")));

    ReplayDecision again = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults().withToTopic("scratch")));
    ReplayDecision toOriginal = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults()));

    assertEquals(ReplayDecision.Action.ALREADY_REPLAYED, again.action());
    assertTrue(again.detail().contains("alice"), again.detail());
    assertEquals(ReplayDecision.Action.REPLAY, toOriginal.action());
    assertEquals(2, toOriginal.replayCount(), "the earlier replay to scratch counts for the loop guard");
  }

  @Test
  void loopGuardCountsTheReplayCountHeaderOfTheFailedRecord() {
    DeadLetterEntry twice = entry(DeadLetterSamples.replayedBefore(failed(1).deadLetter(), 2));
    DeadLetterEntry thrice = entry(DeadLetterSamples.replayedBefore(failed(2).deadLetter(), 3));

    List<ReplayDecision> decisions = ReplayPlanner.plan(List.of(twice, thrice), ledger, ReplayOptions.defaults());
    List<ReplayDecision> generous = ReplayPlanner.plan(List.of(thrice), ledger, ReplayOptions.defaults().withMaxReplays(4));

    assertEquals(ReplayDecision.Action.REPLAY, decisions.get(0).action());
    assertEquals(3, decisions.get(0).replayCount());
    assertEquals(ReplayDecision.Action.REFUSED, decisions.get(1).action());
    assertTrue(decisions.get(1).detail().contains("loop guard: replayed 3 times"), decisions.get(1).detail());
    assertEquals(ReplayDecision.Action.REPLAY, only(generous).action());
  }

  @Test
  void loopGuardAlsoCountsThisDeadLettersOwnReplays() {
    DeadLetterEntry entry = entry(DeadLetterSamples.replayedBefore(failed(1).deadLetter(), 1));
    ledger.put(ledger.withReplay(entry.id(), new ReplayLedger.Replay("a", 2, AT, "alice")));
    ledger.put(ledger.withReplay(entry.id(), new ReplayLedger.Replay("b", 3, AT, "alice")));

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults()));

    assertEquals(ReplayDecision.Action.REFUSED, decision.action());
  }

  @Test
  void aReplayCountHeaderThatIsNotANumberIsRefused() {
    DeadLetter deadLetter = failed(1).deadLetter();
    List<KafkaHeader> headers = new ArrayList<>(deadLetter.getOriginalHeaders());
    headers.add(new KafkaHeader(ReplayHeaders.REPLAY_COUNT, ByteBuffer.wrap("many".getBytes(StandardCharsets.UTF_8))));
    deadLetter.setOriginalHeaders(headers);

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(entry(deadLetter)), ledger, ReplayOptions.defaults()));

    assertEquals(ReplayDecision.Action.REFUSED, decision.action());
  }

  @Test
  void anUnreadableDlqRecordIsRefused() {
    DeadLetterEntry unreadable = DeadLetterEntry.unreadable(2, 9, 0, null, new byte[] {1, 2}, "bad bytes");

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(unreadable), ledger, ReplayOptions.defaults().withToTopic("x")));

    assertEquals(ReplayDecision.Action.REFUSED, decision.action());
    assertTrue(decision.detail().contains("fabric dlq show unreadable-2-9"), decision.detail());
  }

  @Test
  void theSameDeadLetterIdTwiceOnTheDlqIsReplayedOnce() {
    DeadLetterEntry entry = failed(1);
    DeadLetterEntry copy = DeadLetterEntry.decoded(1, 5, 0, null, new byte[0], DeadLetter.newBuilder(entry.deadLetter()).build());

    List<ReplayDecision> decisions = ReplayPlanner.plan(List.of(entry, copy), ledger, ReplayOptions.defaults());

    assertEquals(ReplayDecision.Action.REPLAY, decisions.get(0).action());
    assertEquals(ReplayDecision.Action.ALREADY_REPLAYED, decisions.get(1).action());
  }

  @Test
  void anUnreadableLedgerEntryCountsAsReplayedEverywhere() {
    DeadLetterEntry entry = failed(1);
    ledger.put(ReplayLedger.fromJson(entry.id(), "{not json"));

    assertEquals(ReplayDecision.Action.ALREADY_REPLAYED,
        only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults())).action());
  }
}
