package io.fabric.policy.limits;

import java.util.List;
import java.util.Map;

/** A ledger's store over a plain map, for tests that read or plant its records directly. */
final class MapLedgerStore implements LimitLedger.Store {
  private final Map<String, String> state;

  MapLedgerStore(Map<String, String> state) {
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
    state.remove(key);
  }

  @Override
  public List<Map.Entry<String, String>> withPrefix(String prefix) {
    return state.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).map(e -> Map.entry(e.getKey(), e.getValue()))
        .sorted(Map.Entry.comparingByKey()).toList();
  }
}
