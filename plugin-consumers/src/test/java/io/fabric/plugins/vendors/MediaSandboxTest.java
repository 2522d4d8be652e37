package io.fabric.plugins.vendors;

import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.spi.LongRunningJobs.Job;
import io.fabric.plugins.spi.LongRunningJobs.JobStarted;
import io.fabric.plugins.spi.LongRunningJobs.JobStatus;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskException;
import io.fabric.sandbox.VendorSandbox;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox's Replicate answering the real media plugin, configured only by the sandbox's properties. */
class MediaSandboxTest {
  private VendorSandbox sandbox;
  private MediaPlugin media;

  @BeforeEach
  void start() {
    sandbox = VendorSandbox.start();
    media = new MediaPlugin(VendorConfig.of(MediaPlugin.NAME, sandbox.systemProperties()));
  }

  @AfterEach
  void stop() {
    sandbox.close();
  }

  private static Job job(JobStarted started, String taskType) {
    return new Job(started.jobId(), taskType, Instant.now(), started.details());
  }

  @Test
  void aJobRunsForThreePollsThenSucceedsWithItsOutputAndARepeatedKeyCreatesNoSecondJob() throws TaskException {
    JobStarted started = media.startJob("acme", Map.of("prompt", "lo-fi piano"), context(MediaPlugin.MUSIC, "key-1", 1, false));
    JobStarted again = media.startJob("acme", Map.of("prompt", "lo-fi piano"), context(MediaPlugin.MUSIC, "key-1", 2, true));
    Job job = job(started, MediaPlugin.MUSIC);

    assertEquals(started.jobId(), again.jobId());
    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB));
    assertInstanceOf(JobStatus.Running.class, media.pollJob("acme", job, context(MediaPlugin.MUSIC)));
    assertInstanceOf(JobStatus.Running.class, media.pollJob("acme", job, context(MediaPlugin.MUSIC)));
    JobStatus.Succeeded done = assertInstanceOf(JobStatus.Succeeded.class, media.pollJob("acme", job, context(MediaPlugin.MUSIC)));
    assertTrue(String.valueOf(((Map<?, ?>) done.result().get("media_music")).get("output")).endsWith(".mp3"), done.toString());
  }

  @Test
  void aFailingPromptFailsTheJobAndACancelStopsARunningJobOnce() throws TaskException {
    sandbox.completeMediaJobsAfterPolls(1);
    Job failing = job(media.startJob("acme", Map.of("prompt", "x " + VendorSandbox.MEDIA_FAILING_PROMPT), context(MediaPlugin.VIDEO,
        "key-1", 1, false)), MediaPlugin.VIDEO);
    Job running = job(media.startJob("acme", Map.of("prompt", "a long film"), context(MediaPlugin.VIDEO, "key-2", 1, false)),
        MediaPlugin.VIDEO);

    assertInstanceOf(JobStatus.Failed.class, media.pollJob("acme", failing, context(MediaPlugin.VIDEO)));
    assertEquals("canceled", ((Map<?, ?>) media.cancelJob("acme", running, context(MediaPlugin.VIDEO)).get("media_job_canceled")).get("status"));
    media.cancelJob("acme", running, context(MediaPlugin.VIDEO));
    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB_CANCEL));
    assertInstanceOf(JobStatus.Failed.class, media.pollJob("acme", running, context(MediaPlugin.VIDEO)));
  }

  @Test
  void aWrongTokenIsRefusedPermanently() {
    Map<String, String> properties = new HashMap<>(sandbox.systemProperties());
    properties.put(VendorConfig.propertyName(MediaPlugin.NAME, MediaPlugin.TOKEN), "r8_wrong_token_123");

    PermanentTaskException error = assertThrows(PermanentTaskException.class, () -> new MediaPlugin(VendorConfig.of(MediaPlugin.NAME,
        properties)).startJob("acme", Map.of("prompt", "x"), context(MediaPlugin.VIDEO)));

    assertTrue(error.getMessage().contains("HTTP 401"), error.getMessage());
  }
}
