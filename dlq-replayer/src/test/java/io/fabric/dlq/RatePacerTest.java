package io.fabric.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RatePacerTest {
  /** A clock that only moves when the pacer sleeps, or when the test says so. */
  private long now = 1_000_000_000L;
  private final List<Long> sleeps = new ArrayList<>();

  private RatePacer pacer(double rate) {
    return new RatePacer(rate, () -> now, nanos -> {
      sleeps.add(nanos);
      now += nanos;
    });
  }

  @Test
  void spacesRecordsEvenlyAtTheRate() throws InterruptedException {
    RatePacer pacer = pacer(4);
    long start = now;

    for (int i = 0; i < 9; i++) {
      pacer.acquire();
    }

    assertEquals(2_000_000_000L, now - start, "9 records at 4/s take 2 s: the first goes at once");
  }

  @Test
  void aSlowStretchIsNotMadeUpWithABurst() throws InterruptedException {
    RatePacer pacer = pacer(10);
    pacer.acquire();
    now += 5_000_000_000L;

    pacer.acquire();
    pacer.acquire();

    assertEquals(List.of(100_000_000L), sleeps, "after a pause the next record waits a full interval again");
  }

  @Test
  void noRateMeansNoWaiting() throws InterruptedException {
    RatePacer pacer = pacer(0);

    for (int i = 0; i < 1000; i++) {
      pacer.acquire();
    }

    assertEquals(List.of(), sleeps);
  }

  @Test
  void batchesHoldAboutAQuarterSecondOfRecords() {
    assertEquals(200, RatePacer.batchSize(0, 200));
    assertEquals(1, RatePacer.batchSize(1, 200));
    assertEquals(25, RatePacer.batchSize(100, 200));
    assertEquals(200, RatePacer.batchSize(100_000, 200));
  }
}
