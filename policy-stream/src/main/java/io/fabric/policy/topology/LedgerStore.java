package io.fabric.policy.topology;

import io.fabric.policy.limits.LimitLedger;
import org.apache.kafka.streams.state.KeyValueStore;

/** A {@link LimitLedger}'s budgets kept in a changelogged state store of the stage that uses it (limits, plugin caps). */
final class LedgerStore implements LimitLedger.Store {
  private final KeyValueStore<String, String> state;

  LedgerStore(KeyValueStore<String, String> state) {
    this.state = state;
  }

  @Override
  public String get(String key) {
    return state.get(key);
  }

  @Override
  public void put(String key, String value) {
    state.put(key, value);
  }

  @Override
  public void delete(String key) {
    state.delete(key);
  }
}
