package io.fabric.policy.topology;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the global store of published policies equal to the policy topic: the latest text per key,
 * a tombstone deletes it. Validation happens where the text is used ({@link GateSource}), so a store
 * restored straight from the topic is judged the same way.
 */
final class PublishedPolicyUpdater implements Processor<String, String, Void, Void> {
  private KeyValueStore<String, String> store;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    store = context.getStateStore(PolicyTopology.PUBLISHED_POLICY_STORE);
  }

  @Override
  public void process(Record<String, String> record) {
    if (record.key() == null) {
      return;
    }
    if (record.value() == null) {
      store.delete(record.key());
    } else {
      store.put(record.key(), record.value());
    }
  }
}
