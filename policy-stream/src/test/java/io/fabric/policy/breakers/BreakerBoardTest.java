package io.fabric.policy.breakers;

import static io.fabric.policy.breakers.BreakerFixtures.ACME_ONLY_KEYS;
import static io.fabric.policy.breakers.BreakerFixtures.MALLORY_KEYS;
import static io.fabric.policy.breakers.BreakerFixtures.OPS_KEYS;
import static io.fabric.policy.breakers.BreakerFixtures.VERIFIER;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Only a well-formed trip trips a scope, and only a verified reset of the trip in force lifts it. */
class BreakerBoardTest {
  private static final String SCOPE = "submitter:bot";
  private final BreakerTrip trip = BreakerFixtures.trip(SCOPE, "acme", "c-attempts@1000");

  private BreakerBoard.Entry tripped() {
    BreakerBoard.Applied applied = BreakerBoard.apply(null, SCOPE, BreakerRecords.encode(trip), VERIFIER);
    assertTrue(applied.changed(), applied.problem());
    assertTrue(applied.entry().tripped());
    return BreakerBoard.Entry.decode(applied.entry().encode());
  }

  private static BreakerBoard.Applied reset(BreakerBoard.Entry entry, BreakerReset reset) {
    return BreakerBoard.apply(entry, BreakerScopes.resetKey(reset.scope()), BreakerRecords.encode(reset), VERIFIER);
  }

  @Test
  void aResetSignedByAnApproverWithTheResetActionLiftsTheTrip() {
    BreakerBoard.Applied applied = reset(tripped(), BreakerResetVerifier.sign("ops", OPS_KEYS.getPrivate(), trip, "checked", 2_000L));
    assertTrue(applied.changed(), applied.problem());
    assertFalse(applied.entry().tripped());
  }

  @Test
  void forgedResetsLiftNothing() {
    BreakerBoard.Entry entry = tripped();
    BreakerReset signedByOps = BreakerResetVerifier.sign("ops", OPS_KEYS.getPrivate(), trip, "checked", 2_000L);
    BreakerReset[] forged = {
        signedByOps.withSignature(""),                                                             // unsigned
        BreakerResetVerifier.sign("ops", MALLORY_KEYS.getPrivate(), trip, "checked", 2_000L),      // someone else's key under ops' name
        BreakerResetVerifier.sign("mallory", MALLORY_KEYS.getPrivate(), trip, "x", 2_000L),        // not registered
        BreakerResetVerifier.sign("acme-lead", ACME_ONLY_KEYS.getPrivate(), trip, "x", 2_000L),    // registered, no reset action in scope... has "*" but see below
        new BreakerReset(SCOPE, trip.tripId(), "ops", "changed reason", 2_000L, signedByOps.signature()), // signature of another statement
        BreakerResetVerifier.sign("ops", OPS_KEYS.getPrivate(), BreakerFixtures.trip(SCOPE, "acme", "c-attempts@1"), "old", 500L), // earlier trip
    };
    for (int i = 0; i < forged.length; i++) {
      if (i == 3) {
        continue; // acme-lead has * actions and tenant acme: allowed (see next test)
      }
      BreakerBoard.Applied applied = reset(entry, forged[i]);
      assertFalse(applied.changed(), "forged reset " + i + " was accepted");
      assertTrue(applied.entry().tripped(), "forged reset " + i + " lifted the trip");
    }
  }

  @Test
  void anApproverOutsideTheTripsTenantMayNotResetIt() {
    BreakerTrip globex = BreakerFixtures.trip(SCOPE, "globex", "c-attempts@7");
    BreakerBoard.Entry entry = BreakerBoard.apply(null, SCOPE, BreakerRecords.encode(globex), VERIFIER).entry();
    assertFalse(reset(entry, BreakerResetVerifier.sign("acme-lead", ACME_ONLY_KEYS.getPrivate(), globex, "x", 2_000L)).changed());
    assertTrue(reset(entry, BreakerResetVerifier.sign("ops", OPS_KEYS.getPrivate(), globex, "x", 2_000L)).changed());
  }

  @Test
  void garbageOrATombstoneUnderTheScopeKeyIsIgnored() {
    BreakerBoard.Entry entry = tripped();
    for (String value : new String[] {null, "", "{}", "{\"type\":\"RESET\"}", "not json",
        BreakerRecords.encode(BreakerFixtures.trip("submitter:other", "acme", "x@1"))}) {
      BreakerBoard.Applied applied = BreakerBoard.apply(entry, SCOPE, value, VERIFIER);
      assertFalse(applied.changed(), "accepted " + value);
      assertTrue(applied.entry().tripped());
    }
  }

  @Test
  void aNewTripAfterAResetTripsAgainAndTheOldResetDoesNotLiftIt() {
    BreakerBoard.Entry lifted = reset(tripped(), BreakerResetVerifier.sign("ops", OPS_KEYS.getPrivate(), trip, "ok", 2_000L)).entry();
    BreakerTrip again = BreakerFixtures.trip(SCOPE, "acme", "c-attempts@9000");
    BreakerBoard.Entry entry = BreakerBoard.apply(lifted, SCOPE, BreakerRecords.encode(again), VERIFIER).entry();
    assertTrue(entry.tripped());
    // the earlier reset, written again, names the earlier trip
    assertFalse(reset(entry, BreakerResetVerifier.sign("ops", OPS_KEYS.getPrivate(), trip, "ok", 2_000L)).changed());
  }

  @Test
  void aResetWithNoTripInForceIsRefused() {
    assertNull(reset(null, BreakerResetVerifier.sign("ops", OPS_KEYS.getPrivate(), trip, "ok", 2_000L)).entry());
  }
}
