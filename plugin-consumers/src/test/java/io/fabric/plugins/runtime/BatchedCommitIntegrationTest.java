package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.EchoPlugin;
import io.fabric.plugins.testing.FabricHarness;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The outcomes of a poll share one transaction: fewer commits, the same results, and a crash before
 * that commit loses nothing and checkpoints nothing twice.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class BatchedCommitIntegrationTest {
  private static final int STEPS = 20;

  private FabricHarness fabric;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(EchoPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  /** Sends the steps of one flow before any runtime runs, so one poll returns them together. */
  private List<TaskRequest> queueSteps(String flow) throws Exception {
    List<TaskRequest> steps = new ArrayList<>();
    for (int i = 0; i < STEPS; i++) {
      TaskRequest step = request(flow, EchoPlugin.ACTION, "{\"n\":" + i + "}", i == STEPS - 1);
      fabric.send(EchoPlugin.NAME, step);
      steps.add(step);
    }
    return steps;
  }

  @Test
  void stepsOfOneFlowInOnePollEachSeeTheStepBeforeAndShareTransactions() throws Exception {
    String flow = "flow-" + UUID.randomUUID();
    List<TaskRequest> steps = queueSteps(flow);
    EchoPlugin plugin = new EchoPlugin();
    fabric.start(plugin, PluginRuntimeConfig.defaults());

    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");

    // each step's checkpoint was built on the staged, not yet committed, one before it
    assertEquals(steps.stream().map(TaskRequest::getRequestId).toList(),
        done.getSteps().stream().map(FlowStep::getRequestId).toList());
    assertEquals(STEPS, done.getRevision());
    assertEquals(STEPS, plugin.calls.size(), "each step called once");
    steps.forEach(step -> assertEquals("EXECUTED", fabric.status(step.getRequestId()).orElseThrow().getOutcome()));
    // a transactional partition holds its records plus one commit marker per transaction that wrote to it
    long markers = endOffset(fabric.catalog.flowRevisions.name(), fabric.partitionOf(flow)) - STEPS;
    assertTrue(markers >= 1 && markers < STEPS / 2, "the " + STEPS + " checkpoints took " + markers + " transactions");
  }

  @Test
  void aCrashBeforeTheSharedCommitRunsTheStagedTasksAgainAndCheckpointsEachOnce() throws Exception {
    String flow = "flow-" + UUID.randomUUID();
    List<TaskRequest> steps = queueSteps(flow);
    EchoPlugin plugin = new EchoPlugin();
    AtomicBoolean crashed = new AtomicBoolean();
    PluginRuntime crashing = fabric.start(plugin, PluginRuntimeConfig.defaults().withCrashPoint((context, result) -> {
      if (crashed.compareAndSet(false, true)) {
        throw new CrashPoint.SimulatedCrash("injected crash before the commit of " + context.requestId());
      }
    }));
    await().atMost(FabricHarness.WAIT).until(() -> crashing.failure().isPresent());
    assertInstanceOf(CrashPoint.SimulatedCrash.class, crashing.failure().get());
    int callsBeforeCrash = plugin.calls.size();
    assertTrue(callsBeforeCrash > 1, "the crash hit a transaction holding several tasks: " + callsBeforeCrash);

    fabric.start(plugin, PluginRuntimeConfig.defaults());
    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");

    List<String> checkpointed = done.getSteps().stream().map(FlowStep::getRequestId).toList();
    assertEquals(steps.stream().map(TaskRequest::getRequestId).toList(), checkpointed, "every step once, in order");
    assertEquals(STEPS, new HashSet<>(checkpointed).size());
    assertEquals(STEPS + callsBeforeCrash, plugin.calls.size(), "the uncommitted tasks ran again, nothing else did");
    assertEquals(1, fabric.history(flow).stream().filter(c -> c.getStatus().equals("COMPLETED")).count());
  }

  private long endOffset(String topic, int partition) throws Exception {
    try (Admin admin = Admin.create(fabric.connection.clientConfig())) {
      TopicPartition tp = new TopicPartition(topic, partition);
      return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    }
  }
}
