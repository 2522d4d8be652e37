package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ClosedFlowIndexTest {
  private static final long NOW = 1_800_000_000_000L;

  @Test
  void remembersTheLatestOffsetOfEachClosedFlowAndForgetsRemovedOnes() {
    ClosedFlowIndex index = new ClosedFlowIndex();
    for (int i = 0; i < 5_000; i++) {
      index.put(ClosedFlowIndex.fingerprint("flow-" + i), i, NOW, 0);
    }
    index.put(ClosedFlowIndex.fingerprint("flow-7"), 9_000, NOW, 0);
    index.put(ClosedFlowIndex.fingerprint("flow-7"), 3, NOW, 0);
    for (int i = 0; i < 5_000; i += 2) {
      index.remove(ClosedFlowIndex.fingerprint("flow-" + i));
    }

    assertEquals(2_500, index.size());
    assertEquals(9_000, index.offset(ClosedFlowIndex.fingerprint("flow-7")), "only a later offset replaces one");
    for (int i = 1; i < 5_000; i += 2) {
      assertEquals(i == 7 ? 9_000 : i, index.offset(ClosedFlowIndex.fingerprint("flow-" + i)), "flow-" + i);
    }
    assertEquals(-1, index.offset(ClosedFlowIndex.fingerprint("flow-8")));
  }

  @Test
  void entriesOlderThanTheRetentionAreDroppedWhenTheTableGrows() {
    ClosedFlowIndex index = new ClosedFlowIndex();
    for (int i = 0; i < 700; i++) {
      index.put(ClosedFlowIndex.fingerprint("old-" + i), i, NOW - 100 * 60_000L, 0);
    }
    for (int i = 0; i < 700; i++) {
      index.put(ClosedFlowIndex.fingerprint("new-" + i), i, NOW, NOW - 60 * 60_000L);
    }

    assertEquals(-1, index.offset(ClosedFlowIndex.fingerprint("old-1")));
    assertEquals(5, index.offset(ClosedFlowIndex.fingerprint("new-5")));
    assertEquals(700, index.size());
  }

  @Test
  void entriesLoadedFromASnapshotAnswerAsTheIndexTheyCameFrom() {
    ClosedFlowIndex original = new ClosedFlowIndex();
    for (int i = 0; i < 50_000; i++) {
      original.put(ClosedFlowIndex.fingerprint("flow-" + i), 10L * i, i % 10 == 0 ? 0 : NOW, 0);
    }
    for (int i = 1; i < 50_000; i += 7) {
      original.remove(ClosedFlowIndex.fingerprint("flow-" + i));
    }

    ClosedFlowIndex loaded = new ClosedFlowIndex();
    loaded.putAll(original.entries(), NOW - 60_000);

    // every entry but the expired ones (closed at time 0), at the same offset
    int expected = 0;
    for (int i = 0; i < 50_000; i++) {
      long fingerprint = ClosedFlowIndex.fingerprint("flow-" + i);
      boolean kept = original.offset(fingerprint) >= 0 && i % 10 != 0;
      expected += kept ? 1 : 0;
      assertEquals(kept ? 10L * i : -1, loaded.offset(fingerprint), "flow-" + i);
    }
    assertEquals(expected, loaded.size());
  }
}
