package io.fabric.policy.limits;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The budgets of the policy's limits, free of Kafka: whether a request may start now under every
 * rule that counts it, taking its tokens and slots when it may; and freeing its slots when its final
 * status arrives. All of it lives in one key-value {@link Store} (a changelogged state store in the
 * topology), so a restart forgets nothing:
 * {@code rate|BUDGET} a {@link TokenBucket}, {@code slots|BUDGET} the requests in flight, and
 * {@code flight|REQUEST_ID} the tenant and budgets a released request holds a slot of, and since when
 * (a line {@code @since=EPOCH_MS}; a flight stored before that line existed gets it when
 * {@link #reclaimExpired} first sees it, and an older version reading the line takes it for a budget
 * with no slots, which frees nothing).
 */
public final class LimitLedger {
  /** The state the ledger reads and writes. */
  public interface Store {
    String get(String key);

    void put(String key, String value);

    void delete(String key);

    /** Every key starting with {@code prefix} and its value (a snapshot: the caller may write while it reads it). */
    List<Map.Entry<String, String>> withPrefix(String prefix);
  }

  /** A slot taken longer than its lease and reclaimed: which request held it, for which tenant, which budgets, since when. */
  public record Reclaimed(String requestId, String tenant, List<String> budgets, long since) {}

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
  private static final String SINCE = "@since=";

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
    // the same request id again (a DLQ replay) while its earlier release still holds slots: one id holds one flight,
    // else the earlier slots are counted for ever and only the later ones are freed by the id's final status
    String earlier = store.get(FLIGHT + requestId);
    if (earlier != null) {
      free(requestId, Flight.decode(earlier));
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
      store.put(FLIGHT + requestId, new Flight(tenant, List.copyOf(slotBudgets), now).encode());
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
    String stored = store.get(FLIGHT + requestId);
    if (stored == null) {
      return false;
    }
    Flight flight = Flight.decode(stored);
    if (!flight.tenant().equals(tenant)) {
      return false;
    }
    free(requestId, flight);
    return true;
  }

  /**
   * The backstop for a final status that never comes (a path that writes none, or one this version
   * cannot route): frees every slot taken longer than {@code lease} ago. A flight stored without its
   * start (by a version before leases) starts its lease now.
   *
   * @return the flights reclaimed, for the caller to audit and log
   */
  public List<Reclaimed> reclaimExpired(java.time.Duration lease, long now) {
    List<Reclaimed> reclaimed = new ArrayList<>();
    for (Map.Entry<String, String> entry : store.withPrefix(FLIGHT)) {
      Flight flight = Flight.decode(entry.getValue());
      String requestId = entry.getKey().substring(FLIGHT.length());
      if (flight.since() == null) {
        store.put(entry.getKey(), new Flight(flight.tenant(), flight.budgets(), now).encode());
      } else if (now - flight.since() >= lease.toMillis()) {
        free(requestId, flight);
        reclaimed.add(new Reclaimed(requestId, flight.tenant(), flight.budgets(), flight.since()));
      }
    }
    return reclaimed;
  }

  private void free(String requestId, Flight flight) {
    for (String budget : flight.budgets()) {
      int now = slots(budget);
      if (now <= 1) {
        store.delete(SLOTS + budget);
      } else {
        store.put(SLOTS + budget, Integer.toString(now - 1));
      }
    }
    store.delete(FLIGHT + requestId);
  }

  /** A released request's slots: {@code TENANT\nBUDGET...[\n@since=MS]}; {@code since} is null in a flight stored before leases. */
  private record Flight(String tenant, List<String> budgets, Long since) {
    static Flight decode(String value) {
      String[] lines = value.split("\n");
      List<String> budgets = new ArrayList<>();
      Long since = null;
      for (int i = 1; i < lines.length; i++) {
        // a budget is RULE|TENANT[|SUBMITTER] or plugin:NAME, never @since=...
        if (lines[i].startsWith(SINCE)) {
          since = Long.parseLong(lines[i].substring(SINCE.length()));
        } else {
          budgets.add(lines[i]);
        }
      }
      return new Flight(lines[0], budgets, since);
    }

    String encode() {
      return tenant + "\n" + String.join("\n", budgets) + (since == null ? "" : "\n" + SINCE + since);
    }
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
