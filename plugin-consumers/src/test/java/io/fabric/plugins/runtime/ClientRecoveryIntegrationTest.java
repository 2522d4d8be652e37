package io.fabric.plugins.runtime;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.FlakyPlugin;
import io.fabric.plugins.testing.TestPlugins;
import io.fabric.schemas.records.Reason;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Failures that used to end the runtime's thread for good: the runtime recovers, or dead-letters the one bad task. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class ClientRecoveryIntegrationTest {
  private FabricHarness fabric;
  private PluginRuntime runtime;

  @BeforeEach
  void setUp() throws Exception {
    fabric = FabricHarness.create(List.of(FlakyPlugin.NAME));
  }

  @AfterEach
  void tearDown() {
    if (runtime != null) {
      runtime.close();
    }
    fabric.close();
  }

  @Test
  void aCommitThatTimesOutAndAnAbortTheProducerRefusesGetANewProducerAndTheTaskRunsOnce() throws Exception {
    FlakyPlugin plugin = new FlakyPlugin(TestPlugins.FAST_RETRIES);
    AtomicInteger timeouts = new AtomicInteger(1);
    // a broker outage longer than max.block.ms, as the producer reports it: the commit times out, the abort is refused
    runtime = new PluginRuntime(fabric.connection, fabric.catalog, plugin, PluginRuntimeConfig.defaults().withInstanceId("timeout"),
        props -> new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer()) {
          private boolean commitTimedOut;

          @Override
          public void commitTransaction() {
            if (timeouts.getAndDecrement() > 0) {
              commitTimedOut = true;
              throw new TimeoutException("Timeout expired after 60000ms while awaiting EndTxn(true)");
            }
            super.commitTransaction();
          }

          @Override
          public void abortTransaction() {
            if (commitTimedOut) {
              throw new IllegalStateException("Cannot attempt operation `abortTransaction` because the previous call to "
                  + "`commitTransaction` timed out and must be retried");
            }
            super.abortTransaction();
          }
        });
    runtime.start();
    String flow = "timeout-" + UUID.randomUUID();
    TaskRequest step = request(flow, "steady_step", "{}", true);

    fabric.send(FlakyPlugin.NAME, step);

    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");
    assertEquals(1, done.getRevision());
    assertEquals(1, plugin.effects(step.getRequestId()), "the intent's commit timed out before the call, so one call");
    assertTrue(runtime.failure().isEmpty(), () -> "runtime stopped: " + runtime.failure().get());
    assertEquals(PluginRuntime.State.RUNNING, runtime.state());
    assertTrue(fabric.deadLetters(flow).isEmpty());
  }

  @Test
  void aTaskWhoseCheckpointANewerVersionWroteIsDeadLetteredAndTheNextTaskRuns() throws Exception {
    FlakyPlugin plugin = new FlakyPlugin(TestPlugins.FAST_RETRIES);
    runtime = fabric.start(plugin, PluginRuntimeConfig.defaults().withInstanceId("newer"));
    String flow = fabric.flowIdOnPartition("newer-" + UUID.randomUUID(), 0);
    String next = fabric.flowIdOnPartition("after-" + UUID.randomUUID(), 0);
    TaskRequest archived = request(flow, "steady_step", "{}", false);
    // a newer runtime checkpointed this step with a status this version does not know
    FlowCheckpoint written = FlowCheckpoints.executed(null, archived, FlakyPlugin.NAME, Map.of(), false, List.of(),
        Revision.now(Instant.now()));
    List<FlowStep> steps = written.getSteps().stream().map(s -> FlowStep.newBuilder(s).setStatus("ARCHIVED").build()).toList();
    FlowCheckpoint fromNewerVersion = FlowCheckpoint.newBuilder(written).setSteps(steps).build();
    try (KafkaProducer<String, FlowCheckpoint> producer = new KafkaProducer<>(fabric.connection.clientConfig(),
        fabric.catalog.flowState.keySerde().serializer(), fabric.catalog.flowState.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(fabric.catalog.flowState.name(), flow, fromNewerVersion)).get(30, TimeUnit.SECONDS);
    }

    fabric.send(FlakyPlugin.NAME, archived);
    TaskRequest following = request(next, "steady_step", "{}", true);
    fabric.send(FlakyPlugin.NAME, following);

    assertEquals(1, fabric.awaitStatus(next, "COMPLETED").getRevision());
    DeadLetter letter = await().atMost(FabricHarness.WAIT).until(() -> fabric.deadLetters(flow), l -> !l.isEmpty()).get(0);
    assertEquals(Reason.PROCESSING_ERROR.name(), letter.getReason());
    assertTrue(letter.getErrorMessage().contains("ARCHIVED"), letter.getErrorMessage());
    assertEquals(0, plugin.calls(archived.getRequestId()));
    assertTrue(runtime.failure().isEmpty(), () -> "runtime stopped: " + runtime.failure().get());
  }
}
