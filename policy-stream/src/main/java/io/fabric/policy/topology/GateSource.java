package io.fabric.policy.topology;

import io.fabric.policy.PolicyGate;
import io.fabric.policy.PublishedPolicy;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gate a processor decides one record with: the start gate, or the same gate with the policy
 * published last on the policy topic (read from the global store {@link PolicyTopology#PUBLISHED_POLICY_STORE}
 * when the topology has it). A processor asks once per record or punctuation, so the switch is atomic
 * per record. One per processor instance: not shared between stream threads.
 */
final class GateSource {
  private static final Logger LOG = LoggerFactory.getLogger(GateSource.class);

  private final PolicyGate start;
  private final boolean published;
  private final PublishedPolicy selector;
  private final PublishedPolicy shadowSelector = PublishedPolicy.shadow();
  private PolicyGate shadow;
  private KeyValueStore<String, String> store;
  private PolicyGate current;
  private String lastProblem;

  GateSource(PolicyGate start, boolean published) {
    this.start = start;
    this.published = published;
    this.selector = new PublishedPolicy(start.policy());
    this.current = start;
  }

  void init(ProcessorContext<?, ?> context) {
    if (published) {
      store = context.getStateStore(PolicyTopology.PUBLISHED_POLICY_STORE);
    }
  }

  /** The gate of the shadow policy, if one is published: it decides beside {@link #current()}, and nothing acts on it. */
  java.util.Optional<PolicyGate> shadow() {
    if (store == null) {
      return java.util.Optional.empty();
    }
    PublishedPolicy.Selection selection = shadowSelector.select(store.get(PublishedPolicy.SHADOW_KEY));
    if (selection.policy() == null) {
      shadow = null;
    } else if (shadow == null || shadow.policy() != selection.policy()) {
      shadow = start.withPolicy(selection.policy());
    }
    return java.util.Optional.ofNullable(shadow);
  }

  /** The gate that decides now. */
  PolicyGate current() {
    if (store == null) {
      return start;
    }
    PublishedPolicy.Selection selection = selector.select(store.get(PublishedPolicy.ACTIVE_KEY));
    if (selection.problem() != null && !selection.problem().equals(lastProblem)) {
      LOG.error("{}", selection.problem());
    }
    lastProblem = selection.problem();
    if (selection.policy() != current.policy()) {
      LOG.info("policy {} -> {}", current.policy().version(), selection.policy().version());
      current = start.withPolicy(selection.policy());
    }
    return current;
  }
}
