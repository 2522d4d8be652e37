package io.fabric.dlq;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What was replayed already: the compacted {@code <prefix>dlq.replays} topic keyed by dead-letter
 * id, read fully before a replay decides anything. The replayer writes an entry in the same Kafka
 * transaction as the republished record, so a record counts as replayed exactly when its replay
 * is committed; that is what makes a rerun after Ctrl-C or kill -9 pick up where the last
 * committed batch ended.
 *
 * <p>A tombstone for an id forgets its replays (the operator's way to allow replaying it again
 * to the same topic). A value that is not a valid entry makes the id count as replayed to every
 * topic, because nothing can prove it was not.
 */
public final class ReplayLedger {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One republication of a dead letter. {@code replayCount} is the {@value io.fabric.schemas.topics.ReservedNames#REPLAY_COUNT_HEADER} it carried. */
  public record Replay(String targetTopic, int replayCount, Instant at, String by) {}

  /** Every replay of one dead letter, oldest first. */
  public record Entry(String dlqId, List<Replay> replays, boolean unreadable) {
    public Entry {
      replays = List.copyOf(replays);
    }

    public int count() {
      return replays.size();
    }

    public Optional<Replay> last() {
      return replays.isEmpty() ? Optional.empty() : Optional.of(replays.get(replays.size() - 1));
    }

    public Optional<Replay> lastTo(String topic) {
      for (int i = replays.size() - 1; i >= 0; i--) {
        if (replays.get(i).targetTopic().equals(topic)) {
          return Optional.of(replays.get(i));
        }
      }
      return Optional.empty();
    }

    public boolean replayedTo(String topic) {
      return unreadable || lastTo(topic).isPresent();
    }

    public Entry plus(Replay replay) {
      List<Replay> all = new ArrayList<>(replays);
      all.add(replay);
      return new Entry(dlqId, all, unreadable);
    }
  }

  private final Map<String, Entry> entries;

  private ReplayLedger(Map<String, Entry> entries) {
    this.entries = entries;
  }

  /** A ledger that knows nothing, as before the first replay. */
  public static ReplayLedger empty() {
    return new ReplayLedger(new HashMap<>());
  }

  /** Reads the ledger topic to its committed end; a missing topic reads as an empty ledger. */
  public static ReplayLedger read(KafkaConnection connection, TopicSpec<String, String> spec) {
    Map<String, Entry> entries = new HashMap<>();
    try {
      new TopicScanner(connection).scan(spec.name(), "fabric-dlq-ledger-reader", record -> {
        if (record.key() == null) {
          return;
        }
        String id = new String(record.key(), StandardCharsets.UTF_8);
        if (record.value() == null) {
          entries.remove(id);
        } else {
          entries.put(id, fromJson(id, new String(record.value(), StandardCharsets.UTF_8)));
        }
      });
    } catch (TopicScanner.MissingTopicException e) {
      return empty();
    }
    return new ReplayLedger(entries);
  }

  public Optional<Entry> entry(String dlqId) {
    return Optional.ofNullable(entries.get(dlqId));
  }

  /** How many times this dead letter itself was republished (to any topic). */
  public int timesReplayed(String dlqId) {
    Entry entry = entries.get(dlqId);
    return entry == null ? 0 : entry.count();
  }

  /** The entry after one more replay; the caller writes it and, once committed, {@link #put}s it. */
  public Entry withReplay(String dlqId, Replay replay) {
    return entry(dlqId).orElseGet(() -> new Entry(dlqId, List.of(), false)).plus(replay);
  }

  public void put(Entry entry) {
    entries.put(entry.dlqId(), entry);
  }

  public int size() {
    return entries.size();
  }

  /** The ledger value: the replay history plus the latest replay's fields at the top for people reading the topic. */
  public static String toJson(Entry entry) {
    ObjectNode node = JSON.createObjectNode();
    node.put("dlq_id", entry.dlqId());
    node.put("count", entry.count());
    entry.last().ifPresent(last -> {
      node.put("last_target_topic", last.targetTopic());
      node.put("last_replay_count", last.replayCount());
      node.put("last_replayed_at", last.at().toString());
      node.put("last_replayed_by", last.by());
    });
    ArrayNode replays = node.putArray("replays");
    for (Replay replay : entry.replays()) {
      replays.addObject()
          .put("target_topic", replay.targetTopic())
          .put("replay_count", replay.replayCount())
          .put("replayed_at", replay.at().toString())
          .put("replayed_by", replay.by());
    }
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode ledger entry " + entry.dlqId(), e);
    }
  }

  public static Entry fromJson(String dlqId, String json) {
    try {
      JsonNode node = JSON.readTree(json);
      JsonNode replays = node == null ? null : node.get("replays");
      if (replays == null || !replays.isArray()) {
        return new Entry(dlqId, List.of(), true);
      }
      List<Replay> list = new ArrayList<>();
      for (JsonNode replay : replays) {
        list.add(new Replay(replay.path("target_topic").asText(), replay.path("replay_count").asInt(),
            Instant.parse(replay.path("replayed_at").asText()), replay.path("replayed_by").asText()));
      }
      return new Entry(dlqId, list, false);
    } catch (JsonProcessingException | DateTimeParseException e) {
      return new Entry(dlqId, List.of(), true);
    }
  }
}
