package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.observability.FabricMetrics;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.testing.ChargePlugin;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.NoticePlugin;
import io.fabric.plugins.testing.VendorStub;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A crash after the vendor call and before the commit never yields a second effect. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class InDoubtIntegrationTest {
  private FabricHarness fabric;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(ChargePlugin.NAME, NoticePlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  /** Crashes the runtime the first time a plugin returns, before its transaction commits. */
  private static CrashPoint crashOnce() {
    AtomicBoolean crashed = new AtomicBoolean();
    return (context, result) -> {
      if (crashed.compareAndSet(false, true)) {
        throw new CrashPoint.SimulatedCrash("injected crash after " + context.action() + " of " + context.requestId());
      }
    };
  }

  @Test
  void vendorIdempotencyKeyTurnsTheInDoubtRetryIntoOneEffect() throws Exception {
    VendorStub vendor = new VendorStub();
    ChargePlugin plugin = new ChargePlugin(vendor);
    PluginRuntime crashing = fabric.start(plugin, PluginRuntimeConfig.defaults().withCrashPoint(crashOnce()));
    String flow = "flow-" + UUID.randomUUID();
    TaskRequest charge = request(flow, ChargePlugin.ACTION, "{\"amount\":42}", true);
    fabric.send(ChargePlugin.NAME, charge);

    await().atMost(FabricHarness.WAIT).until(() -> crashing.failure().isPresent());
    assertInstanceOf(CrashPoint.SimulatedCrash.class, crashing.failure().get());
    assertEquals(1, vendor.charges().size(), "the vendor call happened");
    assertTrue(fabric.latest(flow).isEmpty(), "but nothing was committed");

    fabric.start(plugin, PluginRuntimeConfig.defaults());
    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");

    assertEquals(1, vendor.charges().size(), "one effect");
    assertEquals(2, vendor.calls(), "the in-doubt execution was called again");
    List<TaskContext> calls = plugin.calls;
    assertEquals(2, calls.size());
    assertFalse(calls.get(0).inDoubt());
    assertTrue(calls.get(1).inDoubt());
    assertEquals(calls.get(0).idempotencyKey(), calls.get(1).idempotencyKey());
    assertEquals(charge.getIdempotencyKey(), calls.get(1).idempotencyKey());
    List<ExecutionAttempt> attempts = done.getSteps().get(0).getAttempts();
    assertEquals(2, attempts.size());
    assertEquals(InDoubtException.class.getName(), attempts.get(0).getErrorClass());
    assertEquals(null, attempts.get(1).getError());
    assertEquals(1, fabric.history(flow).size());
    assertEquals(1, fabric.counted(FabricMetrics.PLUGIN_IN_DOUBT, "plugin", ChargePlugin.NAME, "settlement", "called_again"));
    assertEquals(0, fabric.counted(FabricMetrics.PLUGIN_IN_DOUBT, "plugin", ChargePlugin.NAME, "settlement", "dead_lettered"));
    assertEquals(2, fabric.counted(FabricMetrics.PLUGIN_ATTEMPTS, "plugin", ChargePlugin.NAME), "the crashed call and the in-doubt one");
    // counted once commitTransaction has returned, which may be after a read_committed reader saw the checkpoint
    await().atMost(FabricHarness.WAIT).until(() -> fabric.counted(FabricMetrics.CHECKPOINTS, "plugin", ChargePlugin.NAME) >= 1);
    assertEquals(1, fabric.counted(FabricMetrics.CHECKPOINTS, "plugin", ChargePlugin.NAME), "only the committed checkpoint counts");
  }

  @Test
  void aPluginThatCannotVerifySendsTheInDoubtTaskToTheDlqInsteadOfRepeatingIt() throws Exception {
    NoticePlugin plugin = new NoticePlugin();
    PluginRuntime crashing = fabric.start(plugin, PluginRuntimeConfig.defaults().withCrashPoint(crashOnce()));
    String flow = "flow-" + UUID.randomUUID();
    TaskRequest notice = request(flow, NoticePlugin.ACTION, "{\"to\":\"+3161234\"}", false);
    fabric.send(NoticePlugin.NAME, notice);
    await().atMost(FabricHarness.WAIT).until(() -> crashing.failure().isPresent());
    // meanwhile another plugin runs a step of the same flow: its intent must not hide the open one
    // (its checkpoint stays invisible to read_committed readers while the crashed transaction is open,
    // so wait for its consumed offset, which its transaction commits too)
    VendorStub vendor = new VendorStub();
    PluginRuntime charges = fabric.start(new ChargePlugin(vendor), PluginRuntimeConfig.defaults());
    fabric.send(ChargePlugin.NAME, request(flow, ChargePlugin.ACTION, "{\"amount\":5}", false));
    await().atMost(FabricHarness.WAIT).until(() -> fabric.committedOffset(charges.groupId(),
        fabric.catalog.pluginTasks(ChargePlugin.NAME).name(), fabric.partitionOf(flow)) == 1L);

    fabric.start(plugin, PluginRuntimeConfig.defaults());
    FlowCheckpoint failed = fabric.awaitStatus(flow, "FAILED");

    assertEquals(List.of(notice.getRequestId()), plugin.calls, "sent once, never repeated blindly");
    DeadLetter letter = await().until(() -> fabric.deadLetters(flow), l -> !l.isEmpty()).get(0);
    assertEquals("IN_DOUBT", letter.getReason());
    assertEquals("plugin:notice", letter.getStage());
    assertTrue(letter.getErrorMessage().contains("InDoubtSupport.NONE"), letter.getErrorMessage());
    RequestStatus status = fabric.status(notice.getRequestId()).orElseThrow();
    assertEquals("DEAD_LETTER", status.getOutcome());
    assertEquals("IN_DOUBT", status.getReason());
    assertEquals(List.of("EXECUTED", "FAILED"), failed.getSteps().stream().map(s -> s.getStatus()).toList());
    assertEquals(1, vendor.charges().size());
    assertTrue(fabric.audits(flow).stream().anyMatch(a -> a.getType().equals(io.fabric.schemas.records.AuditEvents.EXECUTION_IN_DOUBT)));
    assertEquals(1, fabric.counted(FabricMetrics.PLUGIN_IN_DOUBT, "plugin", NoticePlugin.NAME, "settlement", "dead_lettered"));
    assertEquals(0, fabric.counted(FabricMetrics.PLUGIN_IN_DOUBT, "plugin", NoticePlugin.NAME, "settlement", "called_again"));
    // counted once commitTransaction has returned, which may be after a read_committed reader saw the dead letter
    await().atMost(FabricHarness.WAIT).until(() -> fabric.counted(FabricMetrics.DEAD_LETTERS, "stage", "plugin:notice", "reason", "IN_DOUBT") >= 1);
    assertEquals(1, fabric.counted(FabricMetrics.DEAD_LETTERS, "stage", "plugin:notice", "reason", "IN_DOUBT"));
  }
}
