package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.ChargePlugin;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.FlakyPlugin;
import io.fabric.plugins.testing.TestPlugins;
import io.fabric.plugins.testing.VendorStub;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A replay of a failed step must not run while the rollback its failure queued is still waiting:
 * the rollback would then undo the flow around the step that just ran.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class ReplayDuringRollbackIntegrationTest {
  private FabricHarness fabric;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(ChargePlugin.NAME, FlakyPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  @Test
  void aReplayWhileARollbackIsQueuedIsRefusedAndTheRollbackFinishes() throws Exception {
    // Given a flow whose compensable charge ran, then whose next step failed for good while the charge
    // plugin's runtime is down, so the rollback waits on the charge plugin's task topic
    String flow = "flow-" + UUID.randomUUID();
    VendorStub vendor = new VendorStub();
    PluginRuntime charges = fabric.start(new ChargePlugin(vendor), PluginRuntimeConfig.defaults());
    fabric.send(ChargePlugin.NAME, request(flow, ChargePlugin.ACTION, "{\"amount\":100,\"refundable\":true}", false));
    fabric.awaitRevision(flow, 1);
    charges.close();
    FlakyPlugin flaky = new FlakyPlugin(TestPlugins.FAST_RETRIES);
    fabric.start(flaky, PluginRuntimeConfig.defaults());
    TaskRequest doomed = request(flow, "doomed_step", "{}", false);
    fabric.send(FlakyPlugin.NAME, doomed);
    await().atMost(FabricHarness.WAIT).until(() -> fabric.deadLetters(flow), l -> l.size() == 1);

    // When the cause is fixed and the failed step is replayed before the rollback ran
    flaky.fixDoomedStep();
    TaskRequest replay = TaskRequest.newBuilder(doomed).build();
    replay.setReplay(ReplayLineage.newBuilder().setDeadLetterId(fabric.deadLetters(flow).get(0).getId()).setGeneration(1)
        .setReplayedAt(System.currentTimeMillis()).setReplayedBy("test").build());
    fabric.send(FlakyPlugin.NAME, replay);

    // Then the replay is refused, naming the rollback, and the step is not run again
    List<DeadLetter> letters = await().atMost(FabricHarness.WAIT).until(() -> fabric.deadLetters(flow), l -> l.size() == 2);
    assertTrue(letters.get(1).getErrorMessage().contains("replay refused") && letters.get(1).getErrorMessage().contains("rolling back"),
        letters.get(1).getErrorMessage());
    assertEquals(1, flaky.calls(doomed.getRequestId()));
    assertEquals(0, flaky.effects(doomed.getRequestId()));
    // and once the charge runtime is back, the queued rollback undoes the flow, consistently
    fabric.start(new ChargePlugin(vendor), PluginRuntimeConfig.defaults().withInstanceId("1"));
    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");
    assertEquals(List.of("COMPENSATED", "FAILED"), end.getSteps().stream().map(FlowStep::getStatus).toList());
    assertEquals(List.of("ch_1"), vendor.refundedCharges());
  }
}
