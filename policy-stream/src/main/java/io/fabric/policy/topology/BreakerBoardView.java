package io.fabric.policy.topology;

import io.fabric.contracts.TaskRequest;
import io.fabric.policy.breakers.BreakerBoard;
import io.fabric.policy.breakers.BreakerRule;
import io.fabric.policy.breakers.BreakerScopes;
import io.fabric.policy.breakers.BreakerTrip;
import java.util.Optional;
import java.util.OptionalLong;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/** A processor's read-only view of the breakers' global store; empty when the topology has none. */
final class BreakerBoardView {
  private final boolean enabled;
  private KeyValueStore<String, String> store;

  BreakerBoardView(boolean enabled) {
    this.enabled = enabled;
  }

  void init(ProcessorContext<?, ?> context) {
    if (enabled) {
      store = context.getStateStore(PolicyTopology.BREAKERS_STORE);
    }
  }

  BreakerBoard.Entry entry(String scope) {
    return store == null ? null : BreakerBoard.Entry.decode(store.get(scope));
  }

  /** How many scopes are paused now; empty when the topology has no breakers. */
  OptionalLong trippedCount() {
    if (store == null) {
      return OptionalLong.empty();
    }
    long tripped = 0;
    // the store holds only scopes that ever tripped (a trip and its reset), a handful, not the counters
    try (KeyValueIterator<String, String> all = store.all()) {
      while (all.hasNext()) {
        BreakerBoard.Entry entry = BreakerBoard.Entry.decode(all.next().value);
        if (entry != null && entry.tripped()) {
          tripped++;
        }
      }
    }
    return OptionalLong.of(tripped);
  }

  /** The trip pausing this request's tenant, else its submitter's, if any. */
  Optional<BreakerTrip> pausing(TaskRequest request) {
    if (store == null) {
      return Optional.empty();
    }
    Optional<BreakerTrip> tenant = tripped(BreakerScopes.key(BreakerRule.Scope.TENANT, request.getTenantId()));
    if (tenant.isPresent() || request.getSubmitter() == null) {
      return tenant;
    }
    return tripped(BreakerScopes.key(BreakerRule.Scope.SUBMITTER, request.getSubmitter()));
  }

  private Optional<BreakerTrip> tripped(String scope) {
    BreakerBoard.Entry entry = entry(scope);
    return entry != null && entry.tripped() ? Optional.of(entry.trip()) : Optional.empty();
  }
}
