package io.fabric.policy.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.policy.ActionClass;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LimitLedgerTest {
  private final Map<String, String> state = new HashMap<>();
  private final LimitLedger ledger = new LimitLedger(new MapLedgerStore(state));

  private static LimitRule rate(String name, LimitRule.Scope per, int requests, Duration window, int burst, LimitRule.OnLimit onLimit) {
    return new LimitRule(name, per, null, Set.of(), Set.of(), new LimitRule.Rate(requests, window, burst), null, onLimit);
  }

  private static LimitRule inFlight(String name, int max) {
    return new LimitRule(name, LimitRule.Scope.TENANT, ActionClass.A, Set.of(), Set.of(), null, max, LimitRule.OnLimit.WAIT);
  }

  @Test
  void aBurstStartsAtOnceThenTheRateRefillsEvenly() {
    List<LimitRule> rules = List.of(rate("r", LimitRule.Scope.TENANT, 2, Duration.ofSeconds(1), 3, LimitRule.OnLimit.WAIT));

    for (int i = 0; i < 3; i++) {
      assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("q" + i, "acme", null, rules, Set.of(), 0), "burst " + i);
    }
    LimitLedger.Over over = assertInstanceOf(LimitLedger.Over.class, ledger.tryStart("q3", "acme", null, rules, Set.of(), 0));
    assertEquals(List.of("r|acme"), over.over());
    assertEquals(LimitRule.OnLimit.WAIT, over.onLimit());
    assertInstanceOf(LimitLedger.Over.class, ledger.tryStart("q3", "acme", null, rules, Set.of(), 499), "half a token after 499 ms");
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("q3", "acme", null, rules, Set.of(), 500), "2/s: one token per 500 ms");
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("q4", "globex", null, rules, Set.of(), 500), "another tenant has its own budget");
  }

  @Test
  void aFloodUnderManyRequestIdsDrawsOnOneSubmittersBudgetOnly() {
    List<LimitRule> rules = List.of(rate("agents", LimitRule.Scope.SUBMITTER, 5, Duration.ofMinutes(1), 5, LimitRule.OnLimit.BLOCK));

    int started = 0;
    for (int i = 0; i < 100; i++) {
      if (ledger.tryStart("flood-" + i, "acme", "bot", rules, Set.of(), 1000) instanceof LimitLedger.Admit) {
        started++;
      }
    }
    assertEquals(5, started, "request ids are not budgets: 100 ids of one submitter share its 5");
    LimitLedger.Over over = assertInstanceOf(LimitLedger.Over.class, ledger.tryStart("x", "acme", "bot", rules, Set.of(), 1000));
    assertEquals(LimitRule.OnLimit.BLOCK, over.onLimit());
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("y", "acme", "careful-agent", rules, Set.of(), 1000));
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("z", "globex", "bot", rules, Set.of(), 1000), "budgets are per tenant too");
  }

  @Test
  void aSlotIsFreedOnceByTheFinalStatusOfTheRequestItWasTakenForAndItsTenant() {
    List<LimitRule> rules = List.of(inFlight("slots", 1));

    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("a", "acme", null, rules, Set.of(), 0));
    assertInstanceOf(LimitLedger.Over.class, ledger.tryStart("b", "acme", null, rules, Set.of(), 0));
    assertFalse(ledger.finish("forged-id", "acme"), "an id the ledger never released frees nothing");
    assertFalse(ledger.finish("a", "globex"), "a status naming another tenant frees nothing");
    assertEquals(1, ledger.slots("slots|acme"));
    assertTrue(ledger.finish("a", "acme"));
    assertFalse(ledger.finish("a", "acme"), "a second final status frees nothing more");
    assertEquals(0, ledger.slots("slots|acme"));
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("b", "acme", null, rules, Set.of(), 0));
  }

  @Test
  void aRequestOverOneRuleSpendsNothingOfTheOthers() {
    LimitRule tenantRate = rate("tenant", LimitRule.Scope.TENANT, 10, Duration.ofSeconds(1), 10, LimitRule.OnLimit.WAIT);
    LimitRule slots = inFlight("slots", 1);
    List<LimitRule> rules = List.of(tenantRate, slots);

    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("a", "acme", null, rules, Set.of(), 0));
    for (int i = 0; i < 20; i++) {
      assertInstanceOf(LimitLedger.Over.class, ledger.tryStart("b" + i, "acme", null, rules, Set.of(), 0));
    }
    ledger.finish("a", "acme");
    for (int i = 0; i < 9; i++) {
      assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("c" + i, "acme", null, List.of(tenantRate), Set.of(), 0),
          "refused requests took no token: 9 of the 10 remain");
    }
  }

  @Test
  void aLaterRequestWaitsBehindAnEarlierOneOfTheSameBudgetButNotOfAnother() {
    List<LimitRule> rules = List.of(rate("r", LimitRule.Scope.SUBMITTER, 1, Duration.ofSeconds(1), 1, LimitRule.OnLimit.WAIT));

    assertInstanceOf(LimitLedger.Over.class, ledger.tryStart("late", "acme", "bot", rules, Set.of("r|acme|bot"), 0),
        "a full bucket still waits behind the queue");
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("other", "acme", "agent", rules, Set.of("r|acme|bot"), 0));
  }

  @Test
  void aLoweredBurstAppliesAtOnceToTheTokensSaved() {
    TokenBucket saved = TokenBucket.at(null, new LimitRule.Rate(100, Duration.ofSeconds(1), 100), 0);
    TokenBucket lowered = TokenBucket.at(saved, new LimitRule.Rate(1, Duration.ofSeconds(1), 1), 10);

    assertEquals(1.0, lowered.tokens());
    assertEquals(lowered, TokenBucket.decode(lowered.encode()));
  }

  @Test
  void aSlotNotFreedWithinItsLeaseIsReclaimedOnceAndNamesItsRequest() {
    List<LimitRule> rules = List.of(inFlight("slots", 1));
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("lost", "acme", null, rules, Set.of(), 1_000));
    assertInstanceOf(LimitLedger.Over.class, ledger.tryStart("next", "acme", null, rules, Set.of(), 2_000));

    assertEquals(List.of(), ledger.reclaimExpired(Duration.ofMinutes(1), 60_999), "within its lease");
    List<LimitLedger.Reclaimed> reclaimed = ledger.reclaimExpired(Duration.ofMinutes(1), 61_000);

    assertEquals(List.of(new LimitLedger.Reclaimed("lost", "acme", List.of("slots|acme"), 1_000)), reclaimed);
    assertEquals(0, ledger.slots("slots|acme"));
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("next", "acme", null, rules, Set.of(), 61_000));
    assertEquals(List.of(), ledger.reclaimExpired(Duration.ofMinutes(1), 62_000), "reclaimed once; the next request's lease is its own");
    assertFalse(ledger.finish("lost", "acme"), "a late final status of the reclaimed request frees nothing more");
    assertEquals(1, ledger.slots("slots|acme"));
  }

  @Test
  void aFlightStoredBeforeLeasesExistedStartsItsLeaseWhenFirstSeen() {
    // as the previous version stored it: tenant and budgets, no start
    state.put("slots|slots|acme", "1");
    state.put("flight|old", "acme\nslots|acme");

    assertEquals(List.of(), ledger.reclaimExpired(Duration.ofMinutes(1), 500_000), "its lease starts now, not at the epoch");
    assertEquals(1, ledger.slots("slots|acme"));
    assertEquals(List.of("old"), ledger.reclaimExpired(Duration.ofMinutes(1), 560_000).stream().map(LimitLedger.Reclaimed::requestId).toList());
    assertEquals(0, ledger.slots("slots|acme"));
  }

  @Test
  void aFlightStoredBeforeLeasesExistedIsStillFreedByItsFinalStatus() {
    state.put("slots|slots|acme", "1");
    state.put("flight|old", "acme\nslots|acme");

    assertTrue(ledger.finish("old", "acme"));
    assertEquals(0, ledger.slots("slots|acme"));
  }

  @Test
  void theSameRequestIdReleasedAgainHoldsOneSlotNotTwo() {
    List<LimitRule> rules = List.of(inFlight("slots", 2));
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("replayed", "acme", null, rules, Set.of(), 0));
    assertInstanceOf(LimitLedger.Admit.class, ledger.tryStart("replayed", "acme", null, rules, Set.of(), 1));
    assertEquals(1, ledger.slots("slots|acme"));

    assertTrue(ledger.finish("replayed", "acme"));
    assertEquals(0, ledger.slots("slots|acme"), "its one final status frees everything the id holds");
  }
}
