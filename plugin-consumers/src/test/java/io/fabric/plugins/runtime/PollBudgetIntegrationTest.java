package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.SlowEffectPlugin;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Queued tasks that take longer than {@code max.poll.interval.ms} in total must not cost the group:
 * a poll fetches only as many as the plugin's worst-case calls fit the budget (8 s less a tenth and
 * a 3 s heartbeat: 4.2 s, / 600 ms declared: 7), commits them and polls again, so a second instance
 * joining mid-batch takes over partitions cleanly instead of finding the first one's finished work in
 * doubt or calling a task that is still running. Without the cap the first poll fetches all 24
 * (12 s of calls) and the test fails.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class PollBudgetIntegrationTest {
  private static final int TASKS_PER_PARTITION = 8;
  private static final Duration CALL = Duration.ofMillis(500);
  private static final String MAX_POLL_INTERVAL_MS = "8000";

  private FabricHarness fabric;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(SlowEffectPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  private static PluginRuntimeConfig instance(String id) {
    return PluginRuntimeConfig.from(Map.of(
        PluginRuntimeConfig.INSTANCE_ID, id,
        PluginRuntimeConfig.MAX_POLL_INTERVAL_MS, MAX_POLL_INTERVAL_MS));
  }

  @Test
  void aBatchLongerThanThePollIntervalIsHandedOverMidBatchWithEveryEffectOnceAndNothingInDoubt() throws Exception {
    // Given 24 slow tasks (12 s of calls against an 8 s poll interval), queued before the first instance
    // starts so that its first poll returns them all
    SlowEffectPlugin plugin = new SlowEffectPlugin(CALL);
    List<TaskRequest> tasks = new ArrayList<>();
    for (int p = 0; p < fabric.catalog.partitions(); p++) {
      for (int i = 0; i < TASKS_PER_PARTITION; i++) {
        TaskRequest task = request(fabric.flowIdOnPartition("slow-" + UUID.randomUUID(), p), SlowEffectPlugin.ACTION, "{}", true);
        fabric.send(SlowEffectPlugin.NAME, task);
        tasks.add(task);
      }
    }
    PluginRuntime first = fabric.startWithoutWaiting(plugin, instance("a"));

    // When a second instance joins while the first is in the middle of that batch
    await().atMost(FabricHarness.WAIT).until(() -> plugin.calls.get() >= 2);
    assertTrue(plugin.calls.get() < tasks.size() / 2, "the first instance is mid-batch");
    PluginRuntime second = fabric.startWithoutWaiting(plugin, instance("b"));

    // Then every task ends EXECUTED, its effect happened once, and nothing was in doubt
    Map<String, String> outcomes = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
        .until(() -> outcomes(tasks), o -> o.values().stream().noneMatch(String::isEmpty));
    List<DeadLetter> letters = tasks.stream().map(TaskRequest::getFlowId).distinct()
        .flatMap(flow -> fabric.deadLetters(flow).stream()).toList();
    assertEquals(List.of(), letters.stream().map(d -> d.getReason() + " " + d.getRequestId() + ": " + d.getErrorMessage()).toList(),
        "no task was dead-lettered (in doubt or otherwise)");
    assertEquals(tasks.size(), outcomes.values().stream().filter("EXECUTED"::equals).count(), () -> "outcomes: " + outcomes);
    Map<String, Integer> effects = plugin.effectsByKey.entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
    assertEquals(tasks.stream().map(TaskRequest::getIdempotencyKey).collect(Collectors.toSet()), effects.keySet(), "every task's effect happened");
    assertEquals(Map.of(), effects.entrySet().stream().filter(e -> e.getValue() != 1)
        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), "each effect exactly once");
    assertEquals(1, plugin.mostConcurrentCallsOfOneKey.get(), "no task was called by two instances at once");
    assertEquals(2, plugin.callsByThread.size(), () -> "both instances ran tasks: " + plugin.callsByThread);
    assertTrue(first.failure().isEmpty() && second.failure().isEmpty(), "neither instance failed");
    assertTrue(!first.assignment().isEmpty() && !second.assignment().isEmpty(), "both instances stayed in the group");
  }

  /** Each task's outcome, empty while it has none. */
  private Map<String, String> outcomes(List<TaskRequest> tasks) {
    return tasks.stream().collect(Collectors.toMap(TaskRequest::getRequestId,
        t -> fabric.status(t.getRequestId()).map(RequestStatus::getOutcome).orElse("")));
  }
}
