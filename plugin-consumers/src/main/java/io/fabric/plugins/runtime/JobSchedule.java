package io.fabric.plugins.runtime;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * When this runtime polls each running job of its partitions next: memory only, rebuilt from the
 * STARTED steps of the flow state whenever partitions are (re)assigned, so it holds no thread, no
 * consumer record and no transaction while a job runs, and a restart or another instance simply
 * carries on from the checkpoints. Every entry is checked against the latest checkpoint when it is
 * due, so a stale one (the job finished, was compensated, or its commit aborted) is just dropped.
 */
final class JobSchedule {
  /** A job's next poll: the flow and request of its step, the flow's partition, the time (epoch millis). */
  record Due(String flowId, String requestId, int partition, long at) {}

  private final Map<String, Due> byRequest = new HashMap<>();

  void track(String flowId, String requestId, int partition, long at) {
    byRequest.put(requestId, new Due(flowId, requestId, partition, at));
  }

  /** Takes out the jobs due at {@code now}, earliest first, at most {@code max}. */
  List<Due> takeDue(long now, int max) {
    List<Due> due = new ArrayList<>();
    for (Due entry : byRequest.values()) {
      if (entry.at() <= now) {
        due.add(entry);
      }
    }
    due.sort(Comparator.comparingLong(Due::at));
    List<Due> taken = due.subList(0, Math.min(Math.max(0, max), due.size()));
    taken.forEach(entry -> byRequest.remove(entry.requestId()));
    return List.copyOf(taken);
  }

  /** The earliest next poll, if any job is tracked. */
  OptionalLong nextAt() {
    return byRequest.values().stream().mapToLong(Due::at).min();
  }

  /** Drops the jobs of partitions this runtime no longer owns. */
  void forget(Collection<Integer> partitions) {
    Set<Integer> gone = Set.copyOf(partitions);
    byRequest.values().removeIf(entry -> gone.contains(entry.partition()));
  }

  int size() {
    return byRequest.size();
  }
}
