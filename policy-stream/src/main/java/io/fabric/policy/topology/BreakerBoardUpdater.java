package io.fabric.policy.topology;

import io.fabric.policy.breakers.BreakerBoard;
import io.fabric.policy.breakers.BreakerResetVerifier;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the global store {@link PolicyTopology#BREAKERS_STORE} as {@link BreakerBoard} says: the
 * rule for resets is enforced here, where {@code fabric.breakers} is read (also when the store is
 * restored, which runs this processor), so an unsigned or forged reset lifts nothing.
 */
final class BreakerBoardUpdater implements Processor<String, String, Void, Void> {
  private static final Logger LOG = LoggerFactory.getLogger(BreakerBoardUpdater.class);
  private final BreakerResetVerifier verifier;
  private KeyValueStore<String, String> store;

  BreakerBoardUpdater(BreakerResetVerifier verifier) {
    this.verifier = verifier;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(PolicyTopology.BREAKERS_STORE);
  }

  @Override
  public void process(Record<String, String> record) {
    if (record.key() == null) {
      return;
    }
    String scope = BreakerBoard.scopeOf(record.key());
    BreakerBoard.Applied applied = BreakerBoard.apply(BreakerBoard.Entry.decode(store.get(scope)), record.key(), record.value(), verifier);
    if (!applied.changed()) {
      LOG.warn("fabric.breakers: {}", applied.problem());
      return;
    }
    store.put(applied.scope(), applied.entry().encode());
    LOG.info("breaker {}: {}", applied.scope(), applied.entry().tripped() ? "tripped (" + applied.entry().trip().rule() + ")"
        : "reset by " + applied.entry().reset().approver());
  }
}
