package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.FlakyPlugin;
import io.fabric.plugins.testing.TestPlugins;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class RetryIntegrationTest {
  private FabricHarness fabric;
  private FlakyPlugin flaky;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(FlakyPlugin.NAME));
    flaky = new FlakyPlugin(TestPlugins.FAST_RETRIES);
    fabric.start(flaky, PluginRuntimeConfig.defaults());
  }

  @AfterEach
  void tearDown() {
    fabric.close();
  }

  @Test
  void failingTwiceThenSucceedingExecutesOnceWithThreeAttemptsWhileOtherPartitionsFlow() throws Exception {
    String slowFlow = fabric.flowIdOnPartition("slow", 0);
    String fastFlow = fabric.flowIdOnPartition("fast", 1);
    TaskRequest flakyStep = request(slowFlow, "flaky_step", "{}", true);
    TaskRequest steadyStep = request(fastFlow, "steady_step", "{}", true);

    fabric.send(FlakyPlugin.NAME, flakyStep);
    fabric.send(FlakyPlugin.NAME, steadyStep);

    FlowCheckpoint slow = fabric.awaitStatus(slowFlow, "COMPLETED");
    FlowCheckpoint fast = fabric.awaitStatus(fastFlow, "COMPLETED");
    assertEquals(3, flaky.calls(flakyStep.getRequestId()));
    assertEquals(1, flaky.effects(flakyStep.getRequestId()), "executed once");
    FlowStep step = slow.getSteps().get(0);
    List<ExecutionAttempt> attempts = step.getAttempts();
    assertEquals(List.of(1, 2, 3), attempts.stream().map(ExecutionAttempt::getAttempt).toList());
    assertEquals("io.fabric.plugins.spi.RetryableTaskException", attempts.get(0).getErrorClass());
    assertTrue(attempts.get(1).getError().contains("503"));
    assertNull(attempts.get(2).getError());
    assertTrue(Instant.parse(attempts.get(1).getAt()).isAfter(Instant.parse(attempts.get(0).getAt()).plusMillis(70)), "backed off");
    assertTrue(Instant.parse(fast.getAt()).isBefore(Instant.parse(slow.getAt())),
        "the other partition kept flowing while the flaky task backed off");
    assertEquals(1, fabric.history(slowFlow).size(), "retries are not checkpoints");
  }

  @Test
  void anUndecodableRecordIsDeadLetteredWithItsBytesAndTheNextTaskRuns() throws Exception {
    String flow = "flow-" + java.util.UUID.randomUUID();
    java.util.Map<String, Object> config = fabric.connection.clientConfig();
    try (var raw = new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(config,
        new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
      raw.send(new org.apache.kafka.clients.producer.ProducerRecord<>(fabric.catalog.pluginTasks(FlakyPlugin.NAME).name(), flow,
          new byte[] {1, 2, 3})).get();
    }
    fabric.send(FlakyPlugin.NAME, request(flow, "steady_step", "{}", true));

    fabric.awaitStatus(flow, "COMPLETED");
    DeadLetter letter = await().until(() -> fabric.deadLetters(flow), l -> !l.isEmpty()).get(0);
    assertEquals("UNDECODABLE", letter.getReason());
    assertEquals("plugin:flaky", letter.getStage());
    assertEquals(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}), letter.getOriginalValue());
  }

  @Test
  void exhaustedRetriesLandInTheDlqAndFailTheFlow() throws Exception {
    String flow = "flow-" + java.util.UUID.randomUUID();
    TaskRequest first = request(flow, "steady_step", "{}", false);
    TaskRequest hopeless = request(flow, "hopeless_step", "{}", false);
    fabric.send(FlakyPlugin.NAME, first);
    fabric.send(FlakyPlugin.NAME, hopeless);

    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");
    assertEquals(3, flaky.calls(hopeless.getRequestId()));
    List<FlowCheckpoint> history = fabric.history(flow);
    assertEquals(List.of("RUNNING", "FAILED", "ROLLED_BACK"), history.stream().map(FlowCheckpoint::getStatus).toList());
    assertEquals("FAILED", end.getSteps().get(1).getStatus());
    assertEquals(3, end.getSteps().get(1).getAttempts().size());
    DeadLetter letter = await().until(() -> fabric.deadLetters(flow), l -> !l.isEmpty()).get(0);
    assertEquals("EXECUTION_FAILED", letter.getReason());
    assertEquals(3, letter.getAttempts().size());
    assertTrue(letter.getAttempts().stream().allMatch(a -> a.getError() != null && a.getError().length() <= 2_003));
    assertEquals("DEAD_LETTER", fabric.status(hopeless.getRequestId()).orElseThrow().getOutcome());
    assertNotEquals(null, end.getNote());
  }
}
