package io.fabric.policy.topology;

import io.fabric.policy.limits.LimitLedger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.state.KeyValueIterator;
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

  @Override
  public List<Map.Entry<String, String>> withPrefix(String prefix) {
    List<Map.Entry<String, String>> found = new ArrayList<>();
    try (KeyValueIterator<String, String> all = state.prefixScan(prefix, new StringSerializer())) {
      all.forEachRemaining(kv -> found.add(Map.entry(kv.key, kv.value)));
    }
    return found;
  }
}
