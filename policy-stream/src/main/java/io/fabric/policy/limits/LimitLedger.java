package io.fabric.policy.limits;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The budgets of the policy's limits, free of Kafka: whether a request may start now under every
 * rule that counts it, taking its tokens and slots when it may; and freeing its slots when its final
 * status arrives. All of it lives in one key-value {@link Store} (a changelogged state store in the
 * topology), so a restart forgets nothing:
 * {@code rate|BUDGET} a {@link TokenBucket}, {@code slots|BUDGET} the requests in flight, and
 * {@code flight|REQUEST_ID} the tenant and budgets a released request holds a slot of.
 */
public final class LimitLedger {
  /** The state the ledger reads and writes. */
  public interface Store {
    String get(String key);

    void put(String key, String value);

    void delete(String key);
  }

  /** What the limits say about one request now. */
  public sealed interface Decision {}

  /** It may start: its tokens are taken, and it holds a slot of each budget in {@code slotBudgets} until its final status. */
  public record Admit(List<String> slotBudgets) implements Decision {}

  /**
   * It may not start yet: {@code over} names the budgets it is over (each a {@code rule|tenant[|submitter]}),
   * {@code rules} the rule of each; {@code onLimit} is BLOCK when any rule it is over says block;
   * {@code drawsOn} every budget the request would spend, over or not: while it waits, each of them is
   * closed to later requests, so none overtakes it in a budget it is only under (a stream of those would
   * otherwise spend that budget's tokens or slots before it, for ever).
   */
  public record Over(List<String> over, List<LimitRule> rules, LimitRule.OnLimit onLimit, String detail, List<String> drawsOn)
      implements Decision {}

  private static final String RATE = "rate|";
  private static final String SLOTS = "slots|";
  private static final String FLIGHT = "flight|";

  private final Store store;

  public LimitLedger(Store store) {
    this.store = store;
  }

  /**
   * Checks every rule first and takes nothing unless all allow, so a request over one rule spends
   * nothing of the others.
   *
   * @param queued budgets that already have a request waiting: a later request of the same budget waits behind it (FIFO)
   */
  public Decision tryStart(String requestId, String tenant, String submitter, List<LimitRule> rules, Set<String> queued, long now) {
    List<String> over = new ArrayList<>();
    List<LimitRule> overRules = new ArrayList<>();
    List<String> why = new ArrayList<>();
    List<String> drawsOn = new ArrayList<>();
    boolean block = false;
    for (LimitRule rule : rules) {
      String budget = rule.budgetOf(tenant, submitter);
      drawsOn.add(budget);
      String problem = null;
      if (queued.contains(budget)) {
        problem = "earlier requests of " + budget + " wait";
      } else if (rule.rate() != null && !bucket(budget, rule.rate(), now).hasToken()) {
        problem = "over " + rule.rate() + " for " + budget;
      } else if (rule.inFlight() != null && slots(budget) >= rule.inFlight()) {
        problem = rule.inFlight() + " request(s) of " + budget + " already in flight";
      }
      if (problem != null) {
        over.add(budget);
        overRules.add(rule);
        why.add("limit " + rule.name() + ": " + problem);
        block |= rule.onLimit() == LimitRule.OnLimit.BLOCK;
      }
    }
    if (!over.isEmpty()) {
      return new Over(over, overRules, block ? LimitRule.OnLimit.BLOCK : LimitRule.OnLimit.WAIT, String.join("; ", why),
          List.copyOf(drawsOn));
    }
    Set<String> slotBudgets = new LinkedHashSet<>();
    for (LimitRule rule : rules) {
      String budget = rule.budgetOf(tenant, submitter);
      if (rule.rate() != null) {
        store.put(RATE + budget, bucket(budget, rule.rate(), now).take().encode());
      }
      if (rule.inFlight() != null && slotBudgets.add(budget)) {
        store.put(SLOTS + budget, Integer.toString(slots(budget) + 1));
      }
    }
    if (!slotBudgets.isEmpty()) {
      store.put(FLIGHT + requestId, tenant + "\n" + String.join("\n", slotBudgets));
    }
    return new Admit(List.copyOf(slotBudgets));
  }

  /**
   * Frees the slots a request holds, once: only for a request this ledger released, and only when
   * the final status names the tenant it was released for. A status for any other id frees nothing.
   *
   * @return whether a slot was freed
   */
  public boolean finish(String requestId, String tenant) {
    String flight = store.get(FLIGHT + requestId);
    if (flight == null) {
      return false;
    }
    String[] lines = flight.split("\n");
    if (!lines[0].equals(tenant)) {
      return false;
    }
    for (int i = 1; i < lines.length; i++) {
      int now = slots(lines[i]);
      if (now <= 1) {
        store.delete(SLOTS + lines[i]);
      } else {
        store.put(SLOTS + lines[i], Integer.toString(now - 1));
      }
    }
    store.delete(FLIGHT + requestId);
    return true;
  }

  /** Requests of {@code budget} released and not yet final. */
  public int slots(String budget) {
    String value = store.get(SLOTS + budget);
    return value == null ? 0 : Integer.parseInt(value);
  }

  private TokenBucket bucket(String budget, LimitRule.Rate rate, long now) {
    return TokenBucket.at(TokenBucket.decode(store.get(RATE + budget)), rate, now);
  }
}
