package io.fabric.dlq;

import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;

/**
 * The replay ledger topic, {@code <prefix>dlq.replays}: compacted, keyed by dead-letter id, value
 * a JSON {@link ReplayLedger.Entry}; declared in the topic catalog.
 */
public final class ReplayLedgerTopic {
  public static final String SUFFIX = "dlq.replays";

  private ReplayLedgerTopic() {}

  public static TopicSpec<String, String> spec(TopicCatalog catalog) {
    return catalog.dlqReplays;
  }
}
