package io.fabric.plugins.vendors;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.runtime.CrashPoint;
import io.fabric.plugins.runtime.PluginHost;
import io.fabric.plugins.runtime.PluginRuntime;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.plugins.testing.TestPlugins;
import io.fabric.sandbox.VendorSandbox;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Long-running media jobs in the real runtime on the embedded broker, against the sandbox's
 * Replicate: the step is checkpointed STARTED when the job is created and EXECUTED with its output
 * when a poll finds it done, a duplicate delivery of the task never starts a second job, a job past
 * its deadline is cancelled and its flow rolled back, and a flow rolled back while its job runs
 * cancels the job as the step's compensation. A crash between the vendor's create and the checkpoint
 * is in doubt: a person decides where the endpoint cannot deduplicate, the same key settles it where it can.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class MediaJobsIntegrationTest {
  private VendorSandbox sandbox;
  private FabricHarness fabric;
  private PluginHost host;

  @BeforeEach
  void setUp() throws Exception {
    sandbox = VendorSandbox.start();
    fabric = FabricHarness.create(List.of(MediaPlugin.NAME, StripePlugin.NAME, SalesforcePlugin.NAME));
  }

  private void startPlugins(Duration jobDeadline) {
    Map<String, String> media = new HashMap<>(sandbox.systemProperties());
    media.put(VendorConfig.propertyName(MediaPlugin.NAME, MediaPlugin.POLL_INTERVAL_MS), "100");
    host = PluginHost.start(fabric.connection, fabric.catalog, TestPlugins.registry(
            new MediaPlugin(VendorConfig.of(MediaPlugin.NAME, media)),
            new StripePlugin(VendorConfig.of(StripePlugin.NAME, sandbox.systemProperties())),
            new SalesforcePlugin(VendorConfig.of(SalesforcePlugin.NAME, sandbox.systemProperties()))),
        PluginRuntimeConfig.defaults().withJobs(jobDeadline, Duration.ofMillis(50)));
    await().atMost(FabricHarness.WAIT).until(() -> host.allAssigned() || host.failed().isPresent());
    assertTrue(host.failed().isEmpty());
  }

  @AfterEach
  void tearDown() {
    if (host != null) {
      host.close();
    }
    fabric.close();
    sandbox.close();
  }

  @Test
  void aJobIsCheckpointedStartedThenPolledToExecutedWithItsOutputAndADuplicateDeliveryStartsNoSecondJob() throws Exception {
    sandbox.completeMediaJobsAfterPolls(15);
    startPlugins(null);
    String flow = "flow-" + UUID.randomUUID();
    TaskRequest video = request(flow, MediaPlugin.VIDEO, "{\"prompt\":\"a lighthouse at dawn\"}", true);

    fabric.send(MediaPlugin.NAME, video);
    FlowCheckpoint started = fabric.awaitRevision(flow, 1);
    assertEquals("STARTED", started.getSteps().get(0).getStatus());
    assertEquals("RUNNING", started.getStatus());
    fabric.send(MediaPlugin.NAME, video);
    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");

    assertEquals(List.of("EXECUTED"), done.getSteps().stream().map(FlowStep::getStatus).toList());
    assertTrue(done.getState().contains("https://replicate.delivery/sandbox/"), done.getState());
    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB));
    assertEquals(2, fabric.history(flow).size(), "STARTED, then EXECUTED: the polls in between wrote nothing");
    RequestStatus status = await().atMost(FabricHarness.WAIT).until(() -> fabric.status(video.getRequestId()).orElse(null),
        s -> s != null && s.getOutcome().equals("EXECUTED"));
    assertTrue(status.getDetail().contains("executed by media"), status.getDetail());
  }

  @Test
  void aJobPastItsDeadlineIsCancelledItsStepFailsAndTheFlowIsRolledBack() throws Exception {
    sandbox.completeMediaJobsAfterPolls(1_000_000);
    startPlugins(Duration.ofSeconds(2));
    String flow = "flow-" + UUID.randomUUID();
    fabric.send(StripePlugin.NAME, request(flow, StripePlugin.CREATE_CHARGE,
        "{\"amount\":1200,\"currency\":\"eur\",\"customer\":\"cus_9\",\"payment_method\":\"pm_card_visa\"}", false));
    fabric.awaitRevision(flow, 1);
    TaskRequest video = request(flow, MediaPlugin.VIDEO, "{\"prompt\":\"a very long film\"}", true);
    fabric.send(MediaPlugin.NAME, video);

    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");

    assertEquals(List.of("COMPENSATED", "FAILED"), end.getSteps().stream().map(FlowStep::getStatus).toList());
    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB));
    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB_CANCEL));
    assertEquals(1, sandbox.effects(VendorSandbox.REFUND));
    DeadLetter letter = await().atMost(FabricHarness.WAIT).until(() -> fabric.deadLetters(flow), l -> !l.isEmpty()).get(0);
    assertEquals(video.getRequestId(), letter.getRequestId());
    assertEquals("EXECUTION_FAILED", letter.getReason());
    assertTrue(String.valueOf(letter).contains("deadline"), String.valueOf(letter));
    assertEquals("DEAD_LETTER", fabric.status(video.getRequestId()).orElseThrow().getOutcome());
  }

  @Test
  void aFlowRolledBackWhileItsJobRunsCancelsTheJobAsTheStepsCompensation() throws Exception {
    sandbox.completeMediaJobsAfterPolls(1_000_000);
    startPlugins(null);
    String flow = "flow-" + UUID.randomUUID();
    fabric.send(MediaPlugin.NAME, request(flow, MediaPlugin.MUSIC, "{\"prompt\":\"lo-fi piano\"}", false));
    fabric.awaitRevision(flow, 1);
    // Salesforce refuses a body that repeats the external id field: a permanent 400 fails the flow
    fabric.send(SalesforcePlugin.NAME, request(flow, SalesforcePlugin.SYNC,
        "{\"external_id\":\"A-1\",\"fields\":{\"External_Id__c\":\"A-1\",\"Name\":\"Acme\"}}", false));

    FlowCheckpoint end = fabric.awaitStatus(flow, "ROLLED_BACK");

    assertEquals(List.of("COMPENSATED", "FAILED"), end.getSteps().stream().map(FlowStep::getStatus).toList());
    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB));
    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB_CANCEL));
    assertTrue(end.getState().contains("media_job_canceled"), end.getState());
  }

  /** Crashes the runtime right after the first job was created at the vendor, before the transaction that checkpoints it commits. */
  private static CrashPoint crashOnce() {
    AtomicBoolean crashed = new AtomicBoolean();
    return (context, result) -> {
      if (crashed.compareAndSet(false, true)) {
        throw new CrashPoint.SimulatedCrash("injected crash after " + context.action() + " of " + context.requestId());
      }
    };
  }

  private MediaPlugin media(boolean vendorDeduplicates) {
    Map<String, String> media = new HashMap<>(sandbox.systemProperties());
    media.put(VendorConfig.propertyName(MediaPlugin.NAME, MediaPlugin.POLL_INTERVAL_MS), "100");
    media.put(VendorConfig.propertyName(MediaPlugin.NAME, MediaPlugin.VENDOR_DEDUPLICATES), String.valueOf(vendorDeduplicates));
    return new MediaPlugin(VendorConfig.of(MediaPlugin.NAME, media));
  }

  /** Starts the job, crashes before its checkpoint, and starts a runtime with the same instance id (which aborts the open transaction). */
  private TaskRequest crashBetweenCreateAndCheckpoint(MediaPlugin media, String flow) throws Exception {
    PluginRuntimeConfig config = PluginRuntimeConfig.defaults().withInstanceId("media-" + UUID.randomUUID().toString().substring(0, 8))
        .withJobs(null, Duration.ofMillis(50));
    PluginRuntime crashing = fabric.start(media, config.withCrashPoint(crashOnce()));
    TaskRequest video = request(flow, MediaPlugin.VIDEO, "{\"prompt\":\"a lighthouse at dawn\"}", true);
    fabric.send(MediaPlugin.NAME, video);
    await().atMost(FabricHarness.WAIT).until(() -> crashing.failure().isPresent());
    assertInstanceOf(CrashPoint.SimulatedCrash.class, crashing.failure().get());
    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB), "the job was created");
    fabric.start(media, config);
    return video;
  }

  @Test
  void aCrashBetweenTheCreateAndItsCheckpointLeavesTheStartInDoubtForAPersonWhereTheVendorCannotDeduplicate() throws Exception {
    sandbox.completeMediaJobsAfterPolls(1);
    String flow = "flow-" + UUID.randomUUID();

    TaskRequest video = crashBetweenCreateAndCheckpoint(media(false), flow);
    fabric.awaitStatus(flow, "FAILED");

    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB), "never created twice");
    DeadLetter letter = await().atMost(FabricHarness.WAIT).until(() -> fabric.deadLetters(flow), l -> !l.isEmpty()).get(0);
    assertEquals("IN_DOUBT", letter.getReason());
    assertEquals(video.getRequestId(), letter.getRequestId());
  }

  @Test
  void aCrashBetweenTheCreateAndItsCheckpointIsSettledWithTheSameKeyWhereTheEndpointDeduplicates() throws Exception {
    sandbox.completeMediaJobsAfterPolls(2);
    String flow = "flow-" + UUID.randomUUID();

    TaskRequest video = crashBetweenCreateAndCheckpoint(media(true), flow);
    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");

    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB), "the in-doubt create got the first prediction back");
    assertEquals(2, sandbox.calls("media").stream().filter(call -> call.method().equals("POST")).count());
    assertEquals(List.of(video.getIdempotencyKey(), video.getIdempotencyKey()), sandbox.calls("media").stream()
        .filter(call -> call.method().equals("POST")).map(call -> call.headers().get("idempotency-key")).toList());
    assertEquals("io.fabric.plugins.runtime.InDoubtException", done.getSteps().get(0).getAttempts().get(0).getErrorClass());
    assertEquals("EXECUTED", fabric.status(video.getRequestId()).orElseThrow().getOutcome());
  }
}
