package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.builtin.BuiltinPlugin;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.schemas.records.TraceContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class DurableFlowIntegrationTest {
  private static final String RULES = "{\"billing\":[\"invoice\",\"charge\"],\"support\":[\"help\",\"broken\"]}";
  private static final String TEXT = "The invoice for March was wrong. The invoice for March was wrong. "
      + "Support said it will help. The weather is nice.";

  private FabricHarness fabric;
  @TempDir
  Path stateDir;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(BuiltinPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  @Test
  void threeStepFlowCheckpointsThreeRevisionsAndCompletes() throws Exception {
    fabric.start(new BuiltinPlugin(), PluginRuntimeConfig.defaults());
    String flow = "flow-" + java.util.UUID.randomUUID();
    TaskRequest summarize = request(flow, "summarize", "{\"text\":\"" + TEXT + "\",\"max_sentences\":1}", false);
    TaskRequest tag = request(flow, "tag", "{\"text\":\"" + TEXT + "\",\"rules\":" + RULES + "}", false);
    TaskRequest classify = request(flow, "classify", "{\"text\":\"" + TEXT + "\",\"rules\":" + RULES + "}", true);

    fabric.send(BuiltinPlugin.NAME, summarize);
    fabric.send(BuiltinPlugin.NAME, tag);
    fabric.send(BuiltinPlugin.NAME, classify);

    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");
    List<FlowCheckpoint> history = fabric.history(flow);
    assertEquals(List.of(1, 2, 3), history.stream().map(FlowCheckpoint::getRevision).toList());
    assertEquals(List.of("RUNNING", "RUNNING", "COMPLETED"), history.stream().map(FlowCheckpoint::getStatus).toList());
    assertEquals(3, history.stream().map(FlowCheckpoint::getRevisionId).distinct().count(), "each revision has its own UUID");
    assertEquals(List.of("summarize", "tag", "classify"), done.getSteps().stream().map(s -> s.getAction()).toList());
    assertTrue(done.getSteps().stream().allMatch(s -> s.getAttempts().size() == 1 && s.getStatus().equals("EXECUTED")));
    Map<String, Object> state = FlowCheckpoints.state(done);
    assertEquals(Set.of("summary", "tags", "classification"), state.keySet(), "state merges every step's result");
    assertEquals("The invoice for March was wrong.", ((Map<?, ?>) state.get("summary")).get("text"));
    assertEquals(List.of("billing", "support"), state.get("tags"));
    assertEquals("billing", ((Map<?, ?>) state.get("classification")).get("label"));
    for (TaskRequest r : List.of(summarize, tag, classify)) {
      assertEquals("EXECUTED", fabric.status(r.getRequestId()).orElseThrow().getOutcome());
    }
    List<ConsumerRecord<String, byte[]>> revisions = fabric.rawRecords(fabric.catalog.flowRevisions, flow);
    assertEquals(Set.of(summarize.getTraceparent(), tag.getTraceparent(), classify.getTraceparent()),
        revisions.stream().map(r -> TraceContext.get(r.headers())).collect(Collectors.toSet()), "traceparent carried onto every checkpoint");
  }

  @Test
  void runtimeStoppedMidFlowResumesFromItsCheckpointAndNeverRunsAStepTwice() throws Exception {
    String flow = "flow-" + java.util.UUID.randomUUID();
    TaskRequest summarize = request(flow, "summarize", "{\"text\":\"" + TEXT + "\"}", false);
    PluginRuntime first = fabric.start(new BuiltinPlugin(), PluginRuntimeConfig.defaults().withInstanceId("a"));
    fabric.send(BuiltinPlugin.NAME, summarize);
    fabric.awaitRevision(flow, 1);
    first.close();
    assertTrue(first.failure().isEmpty(), () -> "clean stop, got " + first.failure());

    TaskRequest status = request(flow, "read_status", "{}", false);
    TaskRequest update = request(flow, "internal_status_update", "{\"status\":\"reviewed\"}", true);
    fabric.send(BuiltinPlugin.NAME, status);
    fabric.send(BuiltinPlugin.NAME, update);
    fabric.send(BuiltinPlugin.NAME, summarize); // redelivered duplicate of step 1
    fabric.start(new BuiltinPlugin(), PluginRuntimeConfig.defaults().withInstanceId("b"));

    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");
    assertEquals(3, done.getRevision());
    Map<String, Object> state = FlowCheckpoints.state(done);
    Map<?, ?> seen = (Map<?, ?>) state.get("flow_status");
    assertEquals("RUNNING", seen.get("status"), "the restarted runtime saw the checkpoint written before the stop");
    assertEquals(1, seen.get("revision"));
    assertEquals(List.of("summary"), seen.get("state_keys"));
    assertTrue(state.containsKey("summary") && state.containsKey("internal_status"));

    // the duplicate of step 1 was read after step 3 (same partition) and skipped: wait for a later task there
    String probe = fabric.flowIdOnPartition("probe", fabric.partitionOf(flow));
    fabric.send(BuiltinPlugin.NAME, request(probe, "read_status", "{}", true));
    fabric.awaitStatus(probe, "COMPLETED");
    assertEquals(3, fabric.history(flow).size(), "a request with a checkpointed step is never executed again");
    assertTrue(fabric.deadLetters(flow).isEmpty());
    await().until(() -> true);
  }

  @Test
  void aRuntimeRestartedFromItsSnapshotResumesTheFlowAndNeverRunsAStepTwice() throws Exception {
    // Given a runtime with a state dir that checkpointed step 1 of a flow and stopped cleanly
    PluginRuntimeConfig config = PluginRuntimeConfig.defaults().withInstanceId("snap").withStateDir(stateDir);
    String flow = "flow-" + java.util.UUID.randomUUID();
    TaskRequest summarize = request(flow, "summarize", "{\"text\":\"" + TEXT + "\"}", false);
    PluginRuntime first = fabric.start(new BuiltinPlugin(), config);
    fabric.send(BuiltinPlugin.NAME, summarize);
    fabric.awaitRevision(flow, 1);
    first.close();
    assertTrue(first.failure().isEmpty(), () -> "clean stop, got " + first.failure());

    // Then its own directory holds a snapshot of the flow's partition with the flow open in it
    Path file = stateDir.resolve(first.transactionalId()).resolve("flow-state-" + fabric.partitionOf(flow) + ".snapshot");
    FlowStateSnapshot snapshot = FlowStateSnapshot.decode(Files.readAllBytes(file));
    assertEquals(List.of(flow), snapshot.open().stream().map(FlowStateSnapshot.OpenFlow::flowId).toList());

    // When the runtime restarts from it, and step 1 is delivered again after steps 2 and 3
    fabric.send(BuiltinPlugin.NAME, request(flow, "read_status", "{}", false));
    fabric.send(BuiltinPlugin.NAME, request(flow, "internal_status_update", "{\"status\":\"reviewed\"}", true));
    fabric.send(BuiltinPlugin.NAME, summarize);
    fabric.start(new BuiltinPlugin(), config);

    // Then the flow goes on from its checkpoint, and the duplicate is skipped
    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");
    assertEquals(3, done.getRevision());
    assertEquals(1, ((Map<?, ?>) FlowCheckpoints.state(done).get("flow_status")).get("revision"), "step 2 saw step 1's checkpoint");
    String probe = fabric.flowIdOnPartition("probe", fabric.partitionOf(flow));
    fabric.send(BuiltinPlugin.NAME, request(probe, "read_status", "{}", true));
    fabric.awaitStatus(probe, "COMPLETED");
    assertEquals(3, fabric.history(flow).size(), "a request with a checkpointed step is never executed again");
    assertTrue(fabric.deadLetters(flow).isEmpty());
  }
}
