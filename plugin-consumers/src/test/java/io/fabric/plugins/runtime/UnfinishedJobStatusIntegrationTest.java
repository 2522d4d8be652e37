package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.EchoPlugin;
import io.fabric.plugins.testing.EndlessJobPlugin;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.FlakyPlugin;
import io.fabric.plugins.testing.TestPlugins;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A long-running job whose step ends without its result still gives its request a final status:
 * the caller learns the outcome and the limits stage frees the request's slot at once.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class UnfinishedJobStatusIntegrationTest {
  private FabricHarness fabric;
  private EndlessJobPlugin jobs;
  private PluginHost host;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(EndlessJobPlugin.NAME, EchoPlugin.NAME, FlakyPlugin.NAME));
    jobs = new EndlessJobPlugin();
    host = PluginHost.start(fabric.connection, fabric.catalog,
        TestPlugins.registry(jobs, new EchoPlugin(), new FlakyPlugin(TestPlugins.FAST_RETRIES)), PluginRuntimeConfig.defaults());
    await().atMost(FabricHarness.WAIT).until(() -> host.allAssigned() || host.failed().isPresent());
    assertTrue(host.failed().isEmpty());
  }

  @AfterEach
  void tearDown() {
    host.close();
    fabric.close();
  }

  @Test
  void aJobDroppedBecauseOtherStepsClosedItsFlowIsDeadLetteredOnceWithFlowClosed() throws Exception {
    // Given a job that runs, and a final step of another plugin that completes its flow meanwhile
    String flow = "flow-" + UUID.randomUUID();
    TaskRequest job = request(flow, EndlessJobPlugin.ACTION, "{}", false);
    fabric.send(EndlessJobPlugin.NAME, job);
    await().atMost(FabricHarness.WAIT).until(() -> !jobs.polls.isEmpty());
    fabric.send(EchoPlugin.NAME, request(flow, EchoPlugin.ACTION, "{}", true));

    // Then the job's request ends DEAD_LETTER with one dead letter; its step stays STARTED in the COMPLETED flow (a
    // rollback started later would still cancel the job, which may still run at the vendor)
    RequestStatus status = await().atMost(FabricHarness.WAIT).until(() -> fabric.status(job.getRequestId()),
        s -> s.isPresent() && !"ROUTED".equals(s.get().getOutcome())).orElseThrow();
    assertEquals("DEAD_LETTER", status.getOutcome());
    assertEquals("EXECUTION_FAILED", status.getReason());
    assertTrue(status.getDetail().contains(JobDecider.FLOW_CLOSED + ": "), status.getDetail());
    FlowCheckpoint end = fabric.latest(flow).orElseThrow();
    assertEquals("COMPLETED", end.getStatus());
    assertEquals(List.of("STARTED", "EXECUTED"), end.getSteps().stream().map(FlowStep::getStatus).toList());
    List<DeadLetter> letters = fabric.deadLetters(flow);
    assertEquals(1, letters.size());
    assertEquals(job.getRequestId(), letters.get(0).getRequestId());
    assertEquals("EXECUTION_FAILED", letters.get(0).getReason());
  }

  @Test
  void aStartedJobCancelledByItsFlowsRollbackEndsDeadLetteredCompensated() throws Exception {
    // Given a job that runs, then a step that fails for good and rolls its flow back
    String flow = "flow-" + UUID.randomUUID();
    TaskRequest job = request(flow, EndlessJobPlugin.ACTION, "{}", false);
    fabric.send(EndlessJobPlugin.NAME, job);
    await().atMost(FabricHarness.WAIT).until(() -> !jobs.polls.isEmpty());
    fabric.send(FlakyPlugin.NAME, request(flow, "doomed_step", "{}", false));

    // Then the rollback cancels the job once, and the job's request ends DEAD_LETTER naming the compensation
    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");
    assertEquals(List.of("COMPENSATED", "FAILED"), end.getSteps().stream().map(FlowStep::getStatus).toList());
    assertEquals(List.of("job-" + job.getRequestId()), jobs.cancels);
    RequestStatus status = await().atMost(FabricHarness.WAIT).until(() -> fabric.status(job.getRequestId()),
        s -> s.isPresent() && !"ROUTED".equals(s.get().getOutcome())).orElseThrow();
    assertEquals("DEAD_LETTER", status.getOutcome());
    assertEquals("EXECUTION_FAILED", status.getReason());
    assertTrue(status.getDetail().contains(JobDecider.COMPENSATED + ": "), status.getDetail());
  }
}
