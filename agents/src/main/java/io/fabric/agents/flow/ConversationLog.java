package io.fabric.agents.flow;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code fabric.agents.conversations} back (its records are {@link AgentRunPlugin#conversationEvent}s):
 * one summary per run for {@code fabric agents runs}. A turn logged twice (a transaction's records are
 * never half there, but a run resumed on a stale checkpoint would log its turn again) counts once, the last.
 */
public final class ConversationLog {
  private ConversationLog() {}

  /** A run as its turns tell it. */
  public record RunSummary(String runId, String agent, String tenant, int turns, String phase, long inputTokens, long outputTokens,
      List<String> providers, String lastAt) {}

  /** The runs of {@code events} (in log order), in order of first appearance, optionally of one tenant. */
  public static List<RunSummary> runs(List<JsonNode> events, String tenant) {
    Map<String, Map<Integer, JsonNode>> byRun = new LinkedHashMap<>();
    for (JsonNode event : events) {
      if (tenant == null || tenant.equals(event.path("tenant").asText())) {
        byRun.computeIfAbsent(event.path("run_id").asText(), k -> new LinkedHashMap<>()).put(event.path("turn").asInt(), event);
      }
    }
    List<RunSummary> runs = new ArrayList<>();
    byRun.forEach((runId, turns) -> {
      JsonNode last = turns.values().stream().reduce((a, b) -> b).orElseThrow();
      List<String> providers = turns.values().stream().map(t -> t.path("provider").asText()).distinct().toList();
      runs.add(new RunSummary(runId, last.path("agent").asText(), last.path("tenant").asText(), turns.size(),
          last.path("phase").asText(), turns.values().stream().mapToLong(t -> t.path("input_tokens").asLong()).sum(),
          turns.values().stream().mapToLong(t -> t.path("output_tokens").asLong()).sum(), providers, last.path("at").asText()));
    });
    return runs;
  }

  /** One run's turns in turn order, each once. */
  public static List<JsonNode> turns(List<JsonNode> events) {
    Map<Integer, JsonNode> byTurn = new java.util.TreeMap<>();
    events.forEach(e -> byTurn.put(e.path("turn").asInt(), e));
    return List.copyOf(byTurn.values());
  }
}
