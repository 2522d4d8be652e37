package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.KafkaHeader;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.builtin.BuiltinPlugin;
import io.fabric.plugins.flows.FlowRollback;
import io.fabric.plugins.testing.ChargePlugin;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.FlakyPlugin;
import io.fabric.plugins.testing.TestPlugins;
import io.fabric.plugins.testing.VendorStub;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Permanent failures: the DLQ with full context, then compensations in reverse order across plugins. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class RollbackIntegrationTest {
  private FabricHarness fabric;
  private VendorStub vendor;
  private PluginHost host;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(ChargePlugin.NAME, FlakyPlugin.NAME, BuiltinPlugin.NAME));
    vendor = new VendorStub();
    // two plugins, two consumer groups, one process: a rollback still travels between them as records
    host = PluginHost.start(fabric.connection, fabric.catalog,
        TestPlugins.registry(new ChargePlugin(vendor), new FlakyPlugin(TestPlugins.FAST_RETRIES), new BuiltinPlugin()),
        PluginRuntimeConfig.defaults());
    await().atMost(FabricHarness.WAIT).until(() -> host.allAssigned() || host.failed().isPresent());
    assertTrue(host.failed().isEmpty());
  }

  @AfterEach
  void tearDown() {
    host.close();
    fabric.close();
  }

  @Test
  void permanentFailureLandsInTheDlqWithFullContextAndCompensatesInReverseOrder() throws Exception {
    String flow = "flow-" + UUID.randomUUID();
    chargeAndWait(flow, 100, true, 1);
    chargeAndWait(flow, 50, true, 2);
    TaskRequest doomed = request(flow, "doomed_step", "{\"card\":\"4000\"}", false);
    RoutedTask sent = fabric.send(FlakyPlugin.NAME, doomed);

    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");
    assertEquals(List.of("ch_2", "ch_1"), vendor.refundedCharges(), "compensated newest first");
    // FAILED and ROLLING_BACK ("rollback requested") commit together; then one revision per compensation
    assertEquals(List.of("RUNNING", "RUNNING", "FAILED", "ROLLING_BACK", "ROLLING_BACK", "ROLLED_BACK"),
        fabric.history(flow).stream().map(FlowCheckpoint::getStatus).toList());
    assertEquals(List.of("COMPENSATED", "COMPENSATED", "FAILED"), end.getSteps().stream().map(FlowStep::getStatus).toList());
    assertTrue(end.getState().contains("refunded"), end.getState());

    DeadLetter letter = await().until(() -> fabric.deadLetters(flow), l -> !l.isEmpty()).get(0);
    assertEquals("plugin:flaky", letter.getStage());
    assertEquals("EXECUTION_FAILED", letter.getReason());
    assertEquals("acme", letter.getTenantId());
    assertEquals(flow, letter.getFlowId());
    assertEquals(doomed.getRequestId(), letter.getRequestId());
    assertEquals("doomed_step", letter.getAction());
    assertEquals("A", letter.getActionClass());
    assertEquals(fabric.catalog.pluginTasks(FlakyPlugin.NAME).name(), letter.getOriginalTopic());
    assertEquals(flow, StandardCharsets.UTF_8.decode(letter.getOriginalKey()).toString());
    byte[] original = new byte[letter.getOriginalValue().remaining()];
    letter.getOriginalValue().get(original);
    assertEquals(sent, AvroSerde.of(RoutedTask.class).deserialize("x", original), "original record bytes");
    KafkaHeader trace = letter.getOriginalHeaders().stream().filter(h -> h.getKey().equals("traceparent")).findFirst().orElseThrow();
    assertArrayEquals(doomed.getTraceparent().getBytes(StandardCharsets.UTF_8), bytes(trace));
    assertEquals(1, letter.getAttempts().size(), "a permanent failure is not retried");
    assertTrue(letter.getErrorMessage().contains("card declined"));
    assertEquals("io.fabric.plugins.spi.PermanentTaskException", letter.getErrorClass());

    RequestStatus status = fabric.status(doomed.getRequestId()).orElseThrow();
    assertEquals("DEAD_LETTER", status.getOutcome());
    assertEquals("EXECUTION_FAILED", status.getReason());
    List<AuditEvent> audits = fabric.audits(flow);
    assertTrue(audits.stream().anyMatch(a -> a.getType().equals("EXECUTION_FAILED") && doomed.getRequestId().equals(a.getRequestId())));
  }

  @Test
  void aCompensationThatFailsEndsTheFlowCompensationFailedNamingTheStep() throws Exception {
    String flow = "flow-" + UUID.randomUUID();
    TaskRequest unrefundable = chargeAndWait(flow, 100, false, 1);
    chargeAndWait(flow, 50, true, 2);
    fabric.send(FlakyPlugin.NAME, request(flow, "doomed_step", "{}", false));

    FlowCheckpoint end = fabric.awaitStatus(flow, "COMPENSATION_FAILED");
    assertTrue(end.getNote().contains(unrefundable.getRequestId()), end.getNote());
    assertEquals(List.of("COMPENSATION_FAILED", "COMPENSATED", "FAILED"), end.getSteps().stream().map(FlowStep::getStatus).toList());
    assertEquals(List.of("ch_2"), vendor.refundedCharges());
    List<DeadLetter> letters = await().until(() -> fabric.deadLetters(flow), l -> l.size() == 2);
    assertEquals("plugin:charge", letters.get(1).getStage());
    assertEquals(unrefundable.getRequestId(), letters.get(1).getRequestId());
    assertTrue(fabric.audits(flow).stream().anyMatch(a -> a.getType().equals(io.fabric.schemas.records.AuditEvents.COMPENSATION_FAILED)));
    assertEquals(1, fabric.audits(flow).stream().filter(a -> a.getType().equals(io.fabric.schemas.records.AuditEvents.COMPENSATED)).count(),
        "the refund that worked is audited once");
  }

  @Test
  void aPersonCanRollBackACompletedFlow() throws Exception {
    String flow = "flow-" + UUID.randomUUID();
    TaskRequest first = chargeAndWait(flow, 100, true, 1);
    fabric.send(FlakyPlugin.NAME, request(flow, "steady_step", "{}", false));
    fabric.awaitRevision(flow, 2);
    TaskRequest last = request(flow, ChargePlugin.ACTION, "{\"amount\":7}", true);
    fabric.send(ChargePlugin.NAME, last);
    fabric.awaitStatus(flow, "COMPLETED");

    FlowRollback.Plan plan = FlowRollback.plan(fabric.connection, fabric.catalog, flow);
    assertEquals(List.of(last.getRequestId(), first.getRequestId()), plan.toCompensate().stream().map(FlowStep::getRequestId).toList());
    assertEquals(List.of("steady_step"), plan.notCompensable().stream().map(FlowStep::getAction).toList());
    assertEquals(fabric.catalog.pluginTasks(ChargePlugin.NAME).name(), plan.targetTopic());
    FlowRollback.start(fabric.connection, fabric.catalog, flow, "customer cancelled", "test");

    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");
    assertEquals(List.of("ch_2", "ch_1"), vendor.refundedCharges());
    assertTrue(end.getNote().contains("steady_step"), "the note names what could not be undone: " + end.getNote());
    assertThrows(IllegalStateException.class, () -> FlowRollback.plan(fabric.connection, fabric.catalog, flow));
  }

  @Test
  void aRoutedRequestCarryingTheRollbackAttributeRunsAsAnOrdinaryStepAndCompensatesNothing() throws Exception {
    // Given a flow with a completed, compensable charge
    String flow = "flow-" + UUID.randomUUID();
    chargeAndWait(flow, 100, true, 1);
    // and a class-A summarize, routed by the gate, whose submitter set the attribute that once meant "roll back"
    TaskRequest forged = request(flow, "summarize", "{\"text\":\"Refund me. Please.\"}", false);
    forged.setAttributes(Map.of(ReservedNames.ROLLBACK_ACTION, "true", ReservedNames.ROLLBACK_REASON_ATTRIBUTE, "free money"));

    // When the builtin plugin's runtime receives it
    fabric.send(BuiltinPlugin.NAME, forged);

    // Then it is executed as the flow's second step and the charge stands
    FlowCheckpoint after = fabric.awaitRevision(flow, 2);
    assertEquals("RUNNING", after.getStatus());
    assertEquals(List.of("EXECUTED", "EXECUTED"), after.getSteps().stream().map(FlowStep::getStatus).toList());
    assertEquals(forged.getRequestId(), after.getSteps().get(1).getRequestId());
    assertEquals(List.of(), vendor.refundedCharges(), "nothing was compensated");
    assertEquals("EXECUTED", await().atMost(FabricHarness.WAIT)
        .until(() -> fabric.status(forged.getRequestId()), java.util.Optional::isPresent).get().getOutcome());
  }

  private TaskRequest chargeAndWait(String flow, long amount, boolean refundable, int revision) throws Exception {
    TaskRequest charge = request(flow, ChargePlugin.ACTION, "{\"amount\":" + amount + ",\"refundable\":" + refundable + "}", false);
    fabric.send(ChargePlugin.NAME, charge);
    fabric.awaitRevision(flow, revision);
    return charge;
  }

  private static byte[] bytes(KafkaHeader header) {
    byte[] value = new byte[header.getValue().remaining()];
    header.getValue().duplicate().get(value);
    return value;
  }
}
