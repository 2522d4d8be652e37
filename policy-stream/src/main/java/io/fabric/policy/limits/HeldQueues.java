package io.fabric.policy.limits;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * How many held requests wait on each budget, for the two rules of waiting: a budget with a request
 * waiting is closed to later ones (they queue behind it, so each budget keeps arrival order, while
 * other budgets go on), and a budget with its rule's {@code max_held} waiting takes no more (the next
 * is blocked). Rebuilt by each release pass from the held store, so it needs no state of its own.
 */
public final class HeldQueues {
  private final Map<String, Integer> waiting = new HashMap<>();

  public void clear() {
    waiting.clear();
  }

  /** Budgets with a request waiting. */
  public Set<String> closed() {
    return waiting.keySet();
  }

  /** Counts a request that waits: in every budget it draws on, so a later request of any of them queues behind it. */
  public void hold(LimitLedger.Over over) {
    over.drawsOn().stream().distinct().forEach(budget -> waiting.merge(budget, 1, Integer::sum));
  }

  /** The first budget of {@code over} whose queue is full, if any: the request may not wait and is blocked. */
  public Optional<String> full(LimitLedger.Over over) {
    for (int i = 0; i < over.over().size(); i++) {
      if (waiting.getOrDefault(over.over().get(i), 0) >= over.rules().get(i).maxHeld()) {
        return Optional.of(over.over().get(i));
      }
    }
    return Optional.empty();
  }
}
