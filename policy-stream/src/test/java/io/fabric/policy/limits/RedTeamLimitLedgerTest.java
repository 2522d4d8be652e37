package io.fabric.policy.limits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Red team (red4) of slot leases: a shared budget (one slot pool for every tenant, as a plugin cap is)
 * that one tenant tries to free for itself with statuses naming another tenant's request, a late status
 * after the lease reclaimed a slot, and a request id released again.
 */
class RedTeamLimitLedgerTest {
  private static final Duration LEASE = Duration.ofMinutes(30);
  private final Map<String, String> state = new HashMap<>();
  private final LimitLedger ledger = new LimitLedger(new MapLedgerStore(state));
  /** Two slots shared by every tenant. */
  private final List<LimitRule> shared = List.of(
      new LimitRule("vendor", LimitRule.Scope.GLOBAL, null, Set.of(), Set.of(), null, 2, LimitRule.OnLimit.WAIT));

  @Test
  void aStatusNamingAnotherTenantsRequestFreesNothingOfTheSharedBudget() {
    ledger.tryStart("acme-1", "acme", null, shared, Set.of(), 0);
    ledger.tryStart("globex-1", "globex", null, shared, Set.of(), 0);

    assertFalse(ledger.finish("acme-1", "globex"), "globex's status under acme's id");
    assertFalse(ledger.finish("never-released", "globex"));
    assertEquals(2, ledger.slots("vendor"));
    assertInstanceOf(LimitLedger.Over.class, ledger.tryStart("globex-2", "globex", null, shared, Set.of(), 1), "no slot was freed");
  }

  @Test
  void aLateStatusAfterTheLeaseReclaimedTheSlotFreesNoOtherRequestsSlot() {
    ledger.tryStart("acme-1", "acme", null, shared, Set.of(), 0);
    ledger.tryStart("globex-1", "globex", null, shared, Set.of(), LEASE.toMillis() / 2);

    List<LimitLedger.Reclaimed> reclaimed = ledger.reclaimExpired(LEASE, LEASE.toMillis());
    assertEquals(List.of("acme-1"), reclaimed.stream().map(LimitLedger.Reclaimed::requestId).toList());
    assertFalse(ledger.finish("acme-1", "acme"), "its final status, late: the slot is already free");
    assertFalse(ledger.finish("acme-1", "acme"));

    assertEquals(1, ledger.slots("vendor"), "globex-1 still holds its slot");
  }

  @Test
  void aRequestReleasedAgainHoldsOneSlotAndEveryFlightIsReclaimable() {
    ledger.tryStart("acme-1", "acme", null, shared, Set.of(), 0);
    ledger.tryStart("acme-1", "acme", null, shared, Set.of(), 10); // a DLQ replay of the same request
    assertEquals(1, ledger.slots("vendor"));

    ledger.tryStart("acme-2", "acme", null, shared, Set.of(), 20);
    ledger.reclaimExpired(LEASE, 20 + LEASE.toMillis());

    assertEquals(0, ledger.slots("vendor"), "no flight escapes its lease");
    assertTrue(state.keySet().stream().noneMatch(k -> k.startsWith("flight|")), state.toString());
  }
}
