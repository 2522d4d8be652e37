package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.spi.LongRunningJobs;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A started job as its STARTED step keeps it, and what the flow looks like before and after the job ends. */
class RunningJobTest {
  private static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");
  private static final TaskRequest VIDEO = TaskRequest.newBuilder().setRequestId("r1").setTenantId("acme").setFlowId("f1")
      .setAction("video_generate").setPayload("{\"prompt\":\"x\"}").setIdempotencyKey("k1").setSubmittedAt(0).setSource("test")
      .setFinalStep(true).build();
  private static final RunningJob JOB = new RunningJob("p1", "video_generate", 1_000, 6_000, 3_601_000, Map.of("version", "v1"),
      RunningJob.encode("task-bytes".getBytes(StandardCharsets.UTF_8)), "t.plugin.media.tasks", 2, 17, "00-abc-def-01");

  private static FlowCheckpoint started() {
    return FlowCheckpoints.jobStarted(null, VIDEO, "media", JOB.jobId(), JOB.asResult(), List.of(), new Revision("rev-1", T0));
  }

  @Test
  void theStartedStepKeepsTheWholeJobAndTheFlowRunsOnWithoutAResultInItsState() {
    FlowCheckpoint checkpoint = started();
    FlowStep step = checkpoint.getSteps().get(0);

    assertEquals(JOB, RunningJob.of(step).orElseThrow());
    assertArrayEquals("task-bytes".getBytes(StandardCharsets.UTF_8), RunningJob.of(step).orElseThrow().taskBytes());
    assertEquals(new LongRunningJobs.Job("p1", "video_generate", Instant.ofEpochMilli(1_000), Map.of("version", "v1")), JOB.asJob());
    assertEquals("STARTED", step.getStatus());
    assertTrue(step.getCompensable(), "a running job is undone by cancelling it");
    assertEquals("RUNNING", checkpoint.getStatus(), "a final step's job has not completed the flow yet");
    assertEquals("{}", checkpoint.getState());
    assertTrue(checkpoint.getNote().contains("started job p1"), checkpoint.getNote());
  }

  @Test
  void whenTheJobSucceedsTheStepIsReplacedByItsResultAndAFinalStepCompletesTheFlow() {
    FlowCheckpoint done = FlowCheckpoints.executed(started(), VIDEO, "media", Map.of("media_video", Map.of("output", "u")), false,
        List.of(), new Revision("rev-2", T0));

    assertEquals(1, done.getSteps().size());
    assertFalse(RunningJob.of(done.getSteps().get(0)).isPresent());
    assertEquals("COMPLETED", done.getStatus());
    assertTrue(done.getNote().contains("its job finished") && !done.getNote().contains("replay"), done.getNote());
  }
}
