package io.fabric.policy.limits;

import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The order in which tasks waiting for a plugin's cap are offered to it: round-robin over the
 * tenants that have tasks waiting, one task each turn, each tenant's own tasks in arrival order,
 * starting after the tenant served last. A tenant with a long backlog then gets one start per turn
 * like every other waiting tenant, so it can never starve one that has a single task waiting: that
 * task waits for at most one turn, i.e. (tenants waiting - 1) starts.
 */
public final class FairShare {
  private FairShare() {}

  /**
   * @param waiting each tenant's waiting tasks (any ids), oldest first
   * @param servedLast the tenant that got the last start, or null
   * @return every waiting task, in the order to offer them
   */
  public static <T> List<T> order(Map<String, ? extends Deque<T>> waiting, String servedLast) {
    TreeMap<String, Deque<T>> queues = new TreeMap<>();
    waiting.forEach((tenant, tasks) -> {
      if (!tasks.isEmpty()) {
        queues.put(tenant, new java.util.ArrayDeque<>(tasks));
      }
    });
    List<String> turn = new ArrayList<>(servedLast == null ? queues.keySet() : queues.tailMap(servedLast, false).keySet());
    if (servedLast != null) {
      turn.addAll(queues.headMap(servedLast, true).keySet());
    }
    List<T> order = new ArrayList<>();
    while (!turn.isEmpty()) {
      List<String> next = new ArrayList<>();
      for (String tenant : turn) {
        Deque<T> tasks = queues.get(tenant);
        order.add(tasks.poll());
        if (!tasks.isEmpty()) {
          next.add(tenant);
        }
      }
      turn = next;
    }
    return order;
  }
}
