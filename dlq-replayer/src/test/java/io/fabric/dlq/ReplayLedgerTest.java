package io.fabric.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.schemas.topics.TopicCatalog;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReplayLedgerTest {
  private static final Instant AT = Instant.parse("2026-11-25T12:00:00Z");

  @Test
  void anEntryRoundTripsThroughItsJsonValue() throws Exception {
    ReplayLedger ledger = ReplayLedger.empty();
    ReplayLedger.Entry entry = ledger.withReplay("dlq-1", new ReplayLedger.Replay("scratch", 1, AT, "alice"))
        .plus(new ReplayLedger.Replay("fabric.tasks.ingress", 2, AT.plusSeconds(60), "bob"));

    String json = ReplayLedger.toJson(entry);
    ReplayLedger.Entry back = ReplayLedger.fromJson("dlq-1", json);

    assertEquals(entry, back);
    JsonNode node = new ObjectMapper().readTree(json);
    assertEquals(2, node.get("count").asInt());
    assertEquals("fabric.tasks.ingress", node.get("last_target_topic").asText());
    assertEquals("bob", node.get("last_replayed_by").asText());
    assertEquals("2026-11-25T12:01:00Z", node.get("last_replayed_at").asText());
    assertTrue(back.replayedTo("scratch"));
    assertFalse(back.replayedTo("other"));
  }

  @Test
  void anUnreadableValueCountsAsReplayedToEveryTopic() {
    ReplayLedger.Entry entry = ReplayLedger.fromJson("dlq-1", "[1,2]");

    assertTrue(entry.unreadable());
    assertTrue(entry.replayedTo("anything"));
  }

  @Test
  void theTopicIsCompactedAndNamedAfterThePrefix() {
    var spec = ReplayLedgerTopic.spec(TopicCatalog.create("dev.", 6, java.util.List.of()));

    assertEquals("dev.dlq.replays", spec.name());
    assertEquals(6, spec.partitions());
    assertEquals("compact", spec.config().get("cleanup.policy"));
  }
}
