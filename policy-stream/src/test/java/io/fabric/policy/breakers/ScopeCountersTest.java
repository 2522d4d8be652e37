package io.fabric.policy.breakers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ScopeCountersTest {
  private static final long T0 = 1_800_000_000_000L;
  private static final BreakerRules RULES = new BreakerRules(List.of(BreakerFixtures.C_ATTEMPTS, BreakerFixtures.SPEND));
  private static final Measurement C = new Measurement(BreakerRule.Measure.CLASS_C_ATTEMPTS, null, 1, T0, "acme");

  @Test
  void aFloodOfClassCAttemptsUnderManyRequestIdsTripsOnceAtTheThreshold() {
    ScopeCounters state = new ScopeCounters();
    int trips = 0;
    int tripAt = -1;
    for (int i = 1; i <= 10_000; i++) {
      state = ScopeCounters.decode(state.encode());
      Optional<BreakerTrip> trip = state.observe("submitter:bot", RULES, C, T0 + i);
      if (trip.isPresent()) {
        trips++;
        tripAt = i;
      }
    }
    assertEquals(1, trips);
    assertEquals(3, tripAt);
    assertTrue(state.encode().length() < 1_000, "state stays small: " + state.encode());
  }

  @Test
  void aMeasureCountsOnlyInBreakersOfItsScopeAndMeasure() {
    ScopeCounters tenant = new ScopeCounters();
    for (int i = 0; i < 5; i++) {
      assertTrue(tenant.observe("tenant:acme", RULES, C, T0).isEmpty(), "c-attempts is per submitter");
    }
    Measurement spend = new Measurement(BreakerRule.Measure.SPEND, "amount", 600, T0, "acme");
    assertTrue(tenant.observe("tenant:acme", RULES, spend, T0).isEmpty());
    BreakerTrip trip = tenant.observe("tenant:acme", RULES, spend, T0 + 1).orElseThrow();
    assertEquals("spend", trip.breaker());
    assertFalse(trip.hold());
    assertEquals(1200, trip.total());
  }

  @Test
  void aVerifiedResetLiftsTheTripAndCountingStartsAfreshAndALostTripIsWrittenAgain() {
    ScopeCounters state = new ScopeCounters();
    BreakerTrip trip = null;
    for (int i = 0; i < 3; i++) {
      trip = state.observe("submitter:bot", RULES, C, T0).orElse(trip);
    }
    assertEquals(ScopeCounters.Sync.NOTHING, state.sync(new BreakerBoard.Entry(trip, null), T0 + 60_000));
    assertEquals(ScopeCounters.Sync.REASSERT, state.sync(null, T0 + 60_000), "the board lost the trip");
    assertEquals(ScopeCounters.Sync.NOTHING, state.sync(null, T0 + 61_000), "written again at most every 10 s");
    BreakerReset reset = BreakerResetVerifier.sign("ops", BreakerFixtures.OPS_KEYS.getPrivate(), trip, "ok", T0);
    assertEquals(ScopeCounters.Sync.LIFTED, state.sync(new BreakerBoard.Entry(trip, reset), T0 + 70_000));
    assertTrue(state.isEmpty());
    assertTrue(state.observe("submitter:bot", RULES, C, T0 + 70_000).isEmpty(), "counting starts afresh");
  }
}
