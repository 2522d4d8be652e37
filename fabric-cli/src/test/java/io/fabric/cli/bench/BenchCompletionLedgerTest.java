package io.fabric.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class BenchCompletionLedgerTest {
  private final CompletionLedger ledger = new CompletionLedger(1024, seq -> seq % 2 == 0 ? "EXECUTED" : "BLOCKED");

  @Test
  void latencyRunsFromSendToTheFirstEndAndLaterCopiesAreIgnored() {
    ledger.startPhase(0, 2);
    ledger.sent(0, 1_000_000);
    ledger.sent(1, 2_000_000);

    ledger.ended(0, "EXECUTED", 1_000_000 + TimeUnit.MILLISECONDS.toNanos(40));
    ledger.ended(0, "EXECUTED", 1_000_000 + TimeUnit.MILLISECONDS.toNanos(90));
    ledger.ended(1, "EXECUTED", 2_000_000 + TimeUnit.MILLISECONDS.toNanos(10));

    Histogram latencies = ledger.takeEndLatencies();
    assertEquals(2, latencies.getTotalCount());
    assertEquals(40_000, latencies.getMaxValue(), 40);
    assertEquals(2, ledger.phaseEnded());
    assertEquals(1, ledger.duplicates());
    assertEquals(1, ledger.unexpected());
    assertEquals(Map.of("EXECUTED", 2L), ledger.outcomes());
  }

  @Test
  void stragglersOfAnEarlierPhaseDoNotCountForTheNextOne() {
    ledger.startPhase(0, 10);
    for (long seq = 0; seq < 10; seq++) {
      ledger.sent(seq, 0);
    }
    ledger.ended(0, "EXECUTED", 5);
    ledger.startPhase(10, 20);
    ledger.sent(10, 100);

    ledger.ended(2, "EXECUTED", 200);
    ledger.ended(10, "EXECUTED", 300);

    assertEquals(1, ledger.phaseEnded());
    assertEquals(1, ledger.stragglers());
    assertEquals(1, ledger.takeEndLatencies().getTotalCount());
  }

  @Test
  void theFirstStageDecisionIsMeasuredApartFromTheEnd() {
    ledger.startPhase(0, 1);
    ledger.sent(0, 0);

    ledger.decided(0, TimeUnit.MILLISECONDS.toNanos(15));
    ledger.ended(0, "EXECUTED", TimeUnit.MILLISECONDS.toNanos(60));

    assertEquals(1, ledger.phaseDecided());
    assertEquals(15_000, ledger.takeDecidedLatencies().getMaxValue(), 15);
    assertEquals(60_000, ledger.takeEndLatencies().getMaxValue(), 60);
  }
}
