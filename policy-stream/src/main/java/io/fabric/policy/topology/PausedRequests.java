package io.fabric.policy.topology;

import io.fabric.contracts.TaskRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The requests the gate holds while a breaker pauses their tenant or submitter, in arrival order
 * (the store's keys are zero-padded sequence numbers), and which flows have one held: a flow's later
 * request waits behind its held one, so releasing keeps the flow's order.
 */
final class PausedRequests {
  private final KeyValueStore<String, TaskRequest> store;
  private final Map<String, Integer> heldPerFlow = new HashMap<>();
  private long nextSeq;

  /** Reads the store once (at init, after restoration) for the flows held and the next sequence number. */
  PausedRequests(KeyValueStore<String, TaskRequest> store) {
    this.store = store;
    try (KeyValueIterator<String, TaskRequest> all = store.all()) {
      all.forEachRemaining(kv -> {
        heldPerFlow.merge(kv.value.getFlowId(), 1, Integer::sum);
        nextSeq = Math.max(nextSeq, Long.parseLong(kv.key) + 1);
      });
    }
  }

  boolean holdsFlow(String flowId) {
    return heldPerFlow.containsKey(flowId);
  }

  void hold(TaskRequest request) {
    store.put(String.format("%019d", nextSeq++), request);
    heldPerFlow.merge(request.getFlowId(), 1, Integer::sum);
  }

  /**
   * Removes and returns, in arrival order, each held request that {@code free} lets go and that no
   * earlier request of its flow still waits in front of.
   */
  List<TaskRequest> releasable(Predicate<TaskRequest> free) {
    if (heldPerFlow.isEmpty()) {
      return List.of();
    }
    List<KeyValue<String, TaskRequest>> all = new ArrayList<>();
    try (KeyValueIterator<String, TaskRequest> it = store.all()) {
      it.forEachRemaining(all::add);
    }
    Set<String> stillHeld = new HashSet<>();
    List<TaskRequest> released = new ArrayList<>();
    for (KeyValue<String, TaskRequest> entry : all) {
      String flow = entry.value.getFlowId();
      if (stillHeld.contains(flow) || !free.test(entry.value)) {
        stillHeld.add(flow);
        continue;
      }
      store.delete(entry.key);
      heldPerFlow.computeIfPresent(flow, (f, n) -> n == 1 ? null : n - 1);
      released.add(entry.value);
    }
    return released;
  }
}
