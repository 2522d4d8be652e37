package io.fabric.cli.dlq;

import io.fabric.dlq.DeadLetterSamples;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.DeadLetter;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.cli.dlq.DlqTestSupport.CliRun;
import io.fabric.schemas.topics.ReservedNames;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replay killed with SIGKILL half-way, then run again, republishes every dead letter exactly once
 * in total: what the killed run committed is in the ledger, what it had not committed is aborted
 * when the rerun takes over its transactional id.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class ReplayKilledTest {
  private static final int RECORDS = 200;

  private final DlqTestSupport dlq = DlqTestSupport.create();
  private final String ingress = dlq.catalog.ingress.name();
  private final String replays = dlq.catalog.replays.name();

  @Test
  void aReplayKilledHalfWayAndRunAgainRepublishesEachRecordOnceInTotal(@TempDir Path dir) throws Exception {
    List<DeadLetter> deadLetters = new ArrayList<>();
    Instant base = Instant.now().minus(Duration.ofHours(1));
    for (int i = 0; i < RECORDS; i++) {
      deadLetters.add(DeadLetterSamples.executionFailed(ingress, i, base.plusMillis(i), "http", "acme", "flow-" + i,
          "send_whatsapp", new ConnectException("connection refused"), 1));
    }
    dlq.deadLetter(deadLetters);
    Path log = dir.resolve("replay.log");

    // 50 records/s in transactions of 13: about four seconds, committing a batch every quarter second.
    Process replay = startReplay(log, "--rate", "50");
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> replaysOn(replays).size() >= 40 || !replay.isAlive());
      assertTrue(replay.isAlive(), "the replay finished before it could be killed:\n" + Files.readString(log));
    } finally {
      replay.destroyForcibly();
      assertTrue(replay.waitFor(30, TimeUnit.SECONDS));
    }
    int visibleAfterKill = replaysOn(replays).size();
    CliRun rerun = dlq.dlq("replay", "--execute");

    assertTrue(visibleAfterKill < RECORDS, "killed half-way: " + visibleAfterKill);
    assertEquals(0, rerun.exitCode(), rerun.toString());
    Matcher summary = Pattern.compile("Replayed (\\d+), skipped (\\d+) already replayed, refused 0, failed 0\\.")
        .matcher(rerun.out());
    assertTrue(summary.find(), rerun.toString());
    int replayedByRerun = Integer.parseInt(summary.group(1));
    int committedByKilledRun = Integer.parseInt(summary.group(2));
    assertEquals(RECORDS, replayedByRerun + committedByKilledRun, rerun.toString());
    assertTrue(committedByKilledRun >= visibleAfterKill, rerun.toString());
    Map<String, ConsumerRecord<byte[], byte[]>> published = await().atMost(Duration.ofSeconds(20))
        .until(() -> replaysOn(replays), r -> r.size() == RECORDS);
    Set<String> expected = new TreeSet<>(deadLetters.stream().map(DeadLetter::getId).toList());
    assertEquals(expected, new TreeSet<>(published.keySet()));
  }

  private Process startReplay(Path log, String... options) throws Exception {
    String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", classpath, ReplayProcess.class.getName(), "replay",
        "--bootstrap-server", dlq.bootstrap, "--topic-prefix", dlq.catalog.prefix(), "--execute"));
    command.addAll(List.of(options));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Replays on a topic by the dead-letter id they replay; fails on any id republished twice. */
  private Map<String, ConsumerRecord<byte[], byte[]>> replaysOn(String topic) {
    Map<String, ConsumerRecord<byte[], byte[]>> byId = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : dlq.readCommitted(topic)) {
      Header of = record.headers().lastHeader(ReservedNames.REPLAY_OF_HEADER);
      assertNotNull(of);
      String id = new String(of.value(), StandardCharsets.UTF_8);
      assertEquals(null, byId.put(id, record), "dead letter " + id + " was republished twice");
    }
    return byId;
  }
}
