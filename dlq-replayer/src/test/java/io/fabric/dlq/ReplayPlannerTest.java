package io.fabric.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.KafkaHeader;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayPlannerTest {
  private static final TopicCatalog CATALOG = TopicCatalog.defaults();
  private static final String INGRESS = CATALOG.ingress.name();
  private static final String STRIPE = CATALOG.pluginTasks("stripe").name();
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
  void aFreshDeadLetteredRequestGoesToTheReplaysTopicAsReplayOne() {
    ReplayDecision decision = only(ReplayPlanner.plan(List.of(failed(1)), ledger, ReplayOptions.defaults(), CATALOG));

    assertEquals(ReplayDecision.Action.REPLAY, decision.action());
    assertEquals(CATALOG.replays.name(), decision.targetTopic());
    assertEquals(1, decision.replayCount());
    assertEquals("replay 1 of at most 3", decision.detail());
  }

  @Test
  void aTaskThatFailedAfterTheGateGoesToTheReplaysTopicToo() {
    DeadLetterEntry entry = entry(DeadLetterSamples.failedAfterGate(STRIPE, 1, AT,
        DeadLetterSamples.request("acme", "flow-1", "charge"), new IOException("402")));

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults(), CATALOG));

    assertEquals(CATALOG.replays.name(), decision.targetTopic());
    assertEquals(1, decision.replayCount());
  }

  @Test
  void aFailedCompensationIsRefusedWithWhatToDoInsteadOfReplayingTheReservedRollbackAction() {
    // the runtime dead-letters a failed compensation with the rollback request it was working on as the original record
    DeadLetterEntry entry = entry(DeadLetterSamples.failedAfterGate(STRIPE, 1, AT,
        DeadLetterSamples.request("acme", "flow-r", ReservedNames.ROLLBACK_ACTION), new IOException("call was answered")));

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults(), CATALOG));

    assertEquals(ReplayDecision.Action.REFUSED, decision.action());
    assertTrue(decision.detail().contains("compensation") && decision.detail().contains("fabric flows rollback flow-r"),
        decision.detail());
  }

  @Test
  void bytesThatAreNotARequestGoBackToTheirOriginalTopic() {
    DeadLetterEntry entry = entry(DeadLetterSamples.undecodable(INGRESS, 1, AT));

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults(), CATALOG));

    assertEquals(INGRESS, decision.targetTopic());
  }

  /** The gate rebuilds headers, so a task failing after it lost its replay count header; its lineage field counts. */
  private static DeadLetterEntry failedAfterGateInGeneration(int generation) {
    TaskRequest request = DeadLetterSamples.request("acme", "flow-g", "charge");
    request.setReplay(DeadLetterSamples.lineage("dlq-previous", generation));
    return entry(DeadLetterSamples.failedAfterGate(STRIPE, 1, AT, request, new IOException("402")));
  }

  @Test
  void loopGuardCountsTheGenerationOfTheFailedRequestsLineage() {
    // Given tasks that failed after the gate, replayed twice and three times before
    DeadLetterEntry second = failedAfterGateInGeneration(2);
    DeadLetterEntry third = failedAfterGateInGeneration(3);

    // When a replay is planned with the default --max-replays 3
    ReplayDecision afterTwo = only(ReplayPlanner.plan(List.of(second), ledger, ReplayOptions.defaults(), CATALOG));
    ReplayDecision afterThree = only(ReplayPlanner.plan(List.of(third), ledger, ReplayOptions.defaults(), CATALOG));

    // Then the lineage counts although no header survived the gate
    assertEquals(ReplayDecision.Action.REPLAY, afterTwo.action());
    assertEquals(3, afterTwo.replayCount());
    assertEquals("replay 3 of at most 3", afterTwo.detail());
    assertEquals(ReplayDecision.Action.REFUSED, afterThree.action());
    assertTrue(afterThree.detail().contains("loop guard: replayed 3 times already (--max-replays 3)"), afterThree.detail());
  }

  @Test
  void loopGuardTakesTheLargerOfTheLineageAndTheHeaderAndLedgerCount() {
    DeadLetterEntry lineageAhead = failedAfterGateInGeneration(2);
    DeadLetterEntry ledgerAhead = failedAfterGateInGeneration(1);
    ledger.put(ledger.withReplay(ledgerAhead.id(), new ReplayLedger.Replay("scratch", 1, AT, "alice")));
    ledger.put(ledger.withReplay(ledgerAhead.id(), new ReplayLedger.Replay("scratch2", 2, AT, "alice")));

    ReplayDecision byLineage = only(ReplayPlanner.plan(List.of(lineageAhead), ledger,
        ReplayOptions.defaults().withMaxReplays(10), CATALOG));
    ReplayDecision byLedger = only(ReplayPlanner.plan(List.of(ledgerAhead), ledger,
        ReplayOptions.defaults().withMaxReplays(10), CATALOG));

    assertEquals(3, byLineage.replayCount());
    assertEquals("replay 3 of at most 10", byLineage.detail());
    assertEquals(3, byLedger.replayCount(), "two replays in the ledger beat a lineage of one");
  }

  @Test
  void toTopicOverridesTheOriginalTopic() {
    ReplayDecision decision = only(ReplayPlanner.plan(List.of(failed(1)), ledger, ReplayOptions.defaults().withToTopic("scratch"), CATALOG));

    assertEquals("scratch", decision.targetTopic());
  }

  @Test
  void aDeadLetterReplayedToTheSameTopicIsSkippedButMayStillGoToAnotherTopic() {
    DeadLetterEntry entry = failed(1);
    ledger.put(ledger.withReplay(entry.id(), new ReplayLedger.Replay("scratch", 1, AT, "alice")));

    ReplayDecision again = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults().withToTopic("scratch"), CATALOG));
    ReplayDecision toOriginal = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults(), CATALOG));

    assertEquals(ReplayDecision.Action.ALREADY_REPLAYED, again.action());
    assertTrue(again.detail().contains("alice"), again.detail());
    assertEquals(ReplayDecision.Action.REPLAY, toOriginal.action());
    assertEquals(2, toOriginal.replayCount(), "the earlier replay to scratch counts for the loop guard");
  }

  @Test
  void loopGuardCountsTheReplayCountHeaderOfTheFailedRecord() {
    DeadLetterEntry twice = entry(DeadLetterSamples.replayedBefore(failed(1).deadLetter(), 2));
    DeadLetterEntry thrice = entry(DeadLetterSamples.replayedBefore(failed(2).deadLetter(), 3));

    List<ReplayDecision> decisions = ReplayPlanner.plan(List.of(twice, thrice), ledger, ReplayOptions.defaults(), CATALOG);
    List<ReplayDecision> generous = ReplayPlanner.plan(List.of(thrice), ledger, ReplayOptions.defaults().withMaxReplays(4), CATALOG);

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

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults(), CATALOG));

    assertEquals(ReplayDecision.Action.REFUSED, decision.action());
  }

  @Test
  void aReplayCountHeaderThatIsNotANumberIsRefused() {
    DeadLetter deadLetter = failed(1).deadLetter();
    List<KafkaHeader> headers = new ArrayList<>(deadLetter.getOriginalHeaders());
    headers.add(new KafkaHeader(ReservedNames.REPLAY_COUNT_HEADER, ByteBuffer.wrap("many".getBytes(StandardCharsets.UTF_8))));
    deadLetter.setOriginalHeaders(headers);

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(entry(deadLetter)), ledger, ReplayOptions.defaults(), CATALOG));

    assertEquals(ReplayDecision.Action.REFUSED, decision.action());
  }

  @Test
  void anUnreadableDlqRecordIsRefused() {
    DeadLetterEntry unreadable = DeadLetterEntry.unreadable(2, 9, 0, null, new byte[] {1, 2}, "bad bytes");

    ReplayDecision decision = only(ReplayPlanner.plan(List.of(unreadable), ledger, ReplayOptions.defaults().withToTopic("x"), CATALOG));

    assertEquals(ReplayDecision.Action.REFUSED, decision.action());
    assertTrue(decision.detail().contains("fabric dlq show unreadable-2-9"), decision.detail());
  }

  @Test
  void theSameDeadLetterIdTwiceOnTheDlqIsReplayedOnce() {
    DeadLetterEntry entry = failed(1);
    DeadLetterEntry copy = DeadLetterEntry.decoded(1, 5, 0, null, new byte[0], DeadLetter.newBuilder(entry.deadLetter()).build());

    List<ReplayDecision> decisions = ReplayPlanner.plan(List.of(entry, copy), ledger, ReplayOptions.defaults(), CATALOG);

    assertEquals(ReplayDecision.Action.REPLAY, decisions.get(0).action());
    assertEquals(ReplayDecision.Action.ALREADY_REPLAYED, decisions.get(1).action());
  }

  @Test
  void anUnreadableLedgerEntryCountsAsReplayedEverywhere() {
    DeadLetterEntry entry = failed(1);
    ledger.put(ReplayLedger.fromJson(entry.id(), "{not json"));

    assertEquals(ReplayDecision.Action.ALREADY_REPLAYED,
        only(ReplayPlanner.plan(List.of(entry), ledger, ReplayOptions.defaults(), CATALOG)).action());
  }
}
