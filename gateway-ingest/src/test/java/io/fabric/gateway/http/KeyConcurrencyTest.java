package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyConcurrencyTest {
  @Test
  void aKeyPastItsLimitIsRefusedWhileOtherKeysAreNot() {
    KeyConcurrency limits = new KeyConcurrency(2);

    assertTrue(limits.tryAcquire("a"));
    assertTrue(limits.tryAcquire("a"));
    assertFalse(limits.tryAcquire("a"));
    assertTrue(limits.tryAcquire("b"));
    assertEquals(2, limits.inFlight("a"));
    assertEquals(1, limits.inFlight("b"));
  }

  @Test
  void aReleasedSlotIsFreeAgainAndAnIdleKeyLeavesNoEntry() {
    KeyConcurrency limits = new KeyConcurrency(1);
    assertTrue(limits.tryAcquire("a"));

    limits.release("a");

    assertEquals(0, limits.inFlight("a"));
    assertTrue(limits.tryAcquire("a"));
    limits.release("a");
    limits.release("a");
    assertEquals(0, limits.inFlight("a"), "a release without a request never goes below zero");
  }

  @Test
  void manyThreadsNeverHoldMoreThanTheLimit() throws Exception {
    KeyConcurrency limits = new KeyConcurrency(5);
    java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    java.util.List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
    for (int t = 0; t < 8; t++) {
      runs.add(pool.submit(() -> {
        for (int i = 0; i < 10_000; i++) {
          if (limits.tryAcquire("k")) {
            most.accumulateAndGet(held.incrementAndGet(), Math::max);
            held.decrementAndGet();
            limits.release("k");
          }
        }
      }));
    }
    for (java.util.concurrent.Future<?> run : runs) {
      run.get();
    }
    pool.shutdown();

    assertTrue(most.get() <= 5, "held " + most.get());
    assertEquals(0, limits.inFlight("k"));
  }

  @Test
  void aLimitBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new KeyConcurrency(0));
  }
}
