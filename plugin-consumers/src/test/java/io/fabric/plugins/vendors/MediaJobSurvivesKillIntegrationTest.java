package io.fabric.plugins.vendors;

import static io.fabric.plugins.testing.FabricHarness.request;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.plugins.testing.FabricHarness;
import io.fabric.sandbox.VendorSandbox;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A media job survives a SIGKILL of its plugin runtime between "job created" and "job finished": the
 * runtime runs in a JVM of its own ({@link MediaRuntimeProcess}), is killed once the step is
 * checkpointed STARTED (the sandbox holds the job unfinished until then), and a new process carries
 * on from the checkpoint: it polls the same job, never creates a second one (the sandbox counts
 * exactly one), and the request ends EXECUTED with the job's output.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class MediaJobSurvivesKillIntegrationTest {
  @TempDir
  Path dir;

  private VendorSandbox sandbox;
  private FabricHarness fabric;
  private final List<Process> children = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    sandbox = VendorSandbox.start();
    fabric = FabricHarness.create(List.of(MediaPlugin.NAME));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    for (Process child : children) {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
    }
    fabric.close();
    sandbox.close();
  }

  @Test
  void aJobCreatedBeforeTheKillIsPolledToTheEndByTheNextProcessAndNeverCreatedTwice() throws Exception {
    sandbox.completeMediaJobsAfterPolls(Integer.MAX_VALUE);
    Process first = startRuntime(dir.resolve("runtime-1.log"));
    String flow = "flow-" + UUID.randomUUID();
    TaskRequest video = request(flow, MediaPlugin.VIDEO, "{\"prompt\":\"a lighthouse at dawn\"}", true);
    fabric.send(MediaPlugin.NAME, video);

    FlowCheckpoint started = fabric.awaitRevision(flow, 1);
    assertEquals("STARTED", started.getSteps().get(0).getStatus(), started.toString());
    await().atMost(FabricHarness.WAIT).until(() -> polls() >= 1);
    first.destroyForcibly();
    assertTrue(first.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, first.exitValue(), "SIGKILL");
    sandbox.completeMediaJobsAfterPolls(1);
    int pollsBeforeRestart = polls();

    startRuntime(dir.resolve("runtime-2.log"));
    FlowCheckpoint done = fabric.awaitStatus(flow, "COMPLETED");

    assertEquals(1, sandbox.effects(VendorSandbox.MEDIA_JOB), "one job created in total");
    assertTrue(polls() > pollsBeforeRestart, "the new process polled the job");
    assertEquals(List.of("EXECUTED"), done.getSteps().stream().map(FlowStep::getStatus).toList());
    assertTrue(done.getState().contains("https://replicate.delivery/sandbox/"), done.getState());
    RequestStatus status = await().atMost(FabricHarness.WAIT).until(() -> fabric.status(video.getRequestId()).orElse(null),
        s -> s != null && s.getOutcome().equals("EXECUTED"));
    assertEquals(flow, status.getFlowId());
    assertEquals(List.of("STARTED", "EXECUTED"), fabric.history(flow).stream().map(c -> c.getSteps().get(0).getStatus()).toList());
  }

  private int polls() {
    return (int) sandbox.calls("media").stream().filter(call -> call.method().equals("GET")).count();
  }

  private Process startRuntime(Path log) throws IOException {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        "-Dorg.slf4j.simpleLogger.log.io.fabric=info"));
    sandbox.systemProperties().forEach((key, value) -> command.add("-D" + key + "=" + value));
    command.add("-D" + VendorConfig.propertyName(MediaPlugin.NAME, MediaPlugin.POLL_INTERVAL_MS) + "=100");
    command.addAll(List.of("-cp", classpath, MediaRuntimeProcess.class.getName(), fabric.connection.bootstrapServers(),
        fabric.catalog.prefix(), String.valueOf(fabric.catalog.partitions()), MediaPlugin.NAME));
    Process child = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    children.add(child);
    await().atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(200))
        .failFast("the media runtime exited; see " + log, () -> !child.isAlive())
        .until(() -> Files.exists(log) && Files.readString(log, StandardCharsets.ISO_8859_1).contains(MediaRuntimeProcess.RUNNING));
    return child;
  }
}
