package io.fabric.cli.dlq;

import io.fabric.dlq.DeadLetterEntry;
import io.fabric.dlq.ReplayLedger;
import io.fabric.dlq.DeadLetterSamples;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.cli.dlq.DlqTestSupport.CliRun;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.topics.ReservedNames;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replay end to end on the embedded broker, through the CLI: a DLQ of a few hundred dead letters of
 * every kind, what list and stats say about it, and what replays really publish.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class DeadLetterReplayTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String USER = System.getProperty("user.name");

  private final DlqTestSupport dlq = DlqTestSupport.create();
  private final String ingress = dlq.catalog.ingress.name();
  private final String replays = dlq.catalog.replays.name();
  /** Outside the fabric's prefix, so not a topic that skips the gate: a place to look at replays first. */
  private final String scratch = EmbeddedKafkaExtension.uniqueName("scratch");

  /** 307 DLQ records: undecodable bytes, unknown task types, execution failures, loop-guarded ones, unreadable ones. */
  private List<DeadLetter> fill() {
    Instant base = Instant.now().minus(Duration.ofHours(10)).truncatedTo(ChronoUnit.SECONDS);
    List<DeadLetter> all = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      all.add(DeadLetterSamples.undecodable(ingress, i, base.plus(Duration.ofMinutes(i))));
    }
    for (int i = 0; i < 90; i++) {
      all.add(DeadLetterSamples.unknownTaskType(ingress, 100 + i, base.plus(Duration.ofMinutes(60 + i)),
          i % 2 == 0 ? "acme" : "globex", "flow-u" + i, "teleport"));
    }
    for (int i = 0; i < 150; i++) {
      boolean mail = i % 3 == 0;
      all.add(DeadLetterSamples.executionFailed(ingress, 200 + i, base.plus(Duration.ofMinutes(150 + i)),
          mail ? "mail" : "http", i % 3 == 1 ? "globex" : "acme", "flow-e" + i, mail ? "send_email" : "send_whatsapp",
          mail ? new IOException("smtp 550 mailbox unavailable") : new ConnectException("connection refused"), 3));
    }
    for (int i = 0; i < 4; i++) {
      all.add(DeadLetterSamples.replayedBefore(DeadLetterSamples.executionFailed(ingress, 400 + i,
          base.plus(Duration.ofMinutes(300 + i)), "http", "loopy", "flow-l" + i, "send_whatsapp",
          new ConnectException("connection refused"), 3), 3));
    }
    dlq.deadLetter(all);
    for (int i = 0; i < 3; i++) {
      dlq.rawToDlq(null, ("garbage " + i).getBytes(StandardCharsets.UTF_8));
    }
    return all;
  }

  private static Set<String> idsOf(Collection<DeadLetter> deadLetters) {
    return deadLetters.stream().map(DeadLetter::getId).collect(Collectors.toCollection(TreeSet::new));
  }

  private static List<DeadLetter> where(List<DeadLetter> all, Predicate<DeadLetter> predicate) {
    return all.stream().filter(predicate).toList();
  }

  /** The replayed records on a topic, by the dead-letter id they replay; fails on any id published twice. */
  private Map<String, ConsumerRecord<byte[], byte[]>> replaysOn(String topic) {
    Map<String, ConsumerRecord<byte[], byte[]>> byId = new HashMap<>();
    for (ConsumerRecord<byte[], byte[]> record : dlq.readCommitted(topic)) {
      Header of = record.headers().lastHeader(ReservedNames.REPLAY_OF_HEADER);
      assertNotNull(of, "only replays are published in these tests");
      String id = new String(of.value(), StandardCharsets.UTF_8);
      ConsumerRecord<byte[], byte[]> previous = byId.put(id, record);
      assertEquals(null, previous, "dead letter " + id + " was republished twice on " + topic);
    }
    return byId;
  }

  /**
   * The replays on a topic once {@code expected} are visible: commitTransaction returns before the
   * commit markers reach the partitions, so a read_committed reader may lag for a moment.
   */
  private Map<String, ConsumerRecord<byte[], byte[]>> awaitReplays(String topic, int expected) {
    return await().atMost(Duration.ofSeconds(20)).until(() -> replaysOn(topic), replays -> replays.size() == expected);
  }

  private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
    Header header = record.headers().lastHeader(name);
    return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
  }

  private static JsonNode json(CliRun run) throws IOException {
    return JSON.readTree(run.out());
  }

  @Test
  void listAndStatsMatchWhatWasDeadLettered() throws IOException {
    List<DeadLetter> all = fill();

    CliRun list = dlq.dlq("list", "-o", "json");
    CliRun stats = dlq.dlq("stats", "-o", "json");
    CliRun text = dlq.dlq("list");

    assertEquals(0, list.exitCode(), list.toString());
    JsonNode listed = json(list);
    assertEquals(307, listed.size());
    Set<String> ids = new TreeSet<>();
    listed.forEach(node -> ids.add(node.get("id").asText()));
    Set<String> expected = idsOf(all);
    expected.addAll(ids.stream().filter(id -> id.startsWith("unreadable-")).toList());
    assertEquals(expected, ids);
    assertEquals(3, ids.stream().filter(id -> id.startsWith("unreadable-")).count());

    assertEquals(0, stats.exitCode(), stats.toString());
    JsonNode counts = json(stats);
    assertEquals(307, counts.get("total").asInt());
    assertEquals(Map.of("UNDECODABLE", 60, "UNKNOWN_TASK_TYPE", 90, "EXECUTION_FAILED", 154, "UNREADABLE", 3),
        asMap(counts.get("by_reason")));
    assertEquals(Map.of("policy-stream", 60, "router-stream", 90, "plugin:http", 104, "plugin:mail", 50, "(none)", 3),
        asMap(counts.get("by_stage")));
    assertEquals(Map.of("acme", 45 + 100, "globex", 45 + 50, "loopy", 4, "(none)", 63), asMap(counts.get("by_tenant")));
    assertEquals(Map.of("teleport", 90, "send_whatsapp", 104, "send_email", 50, "(none)", 63), asMap(counts.get("by_action")));
    assertEquals(Map.of("org.apache.kafka.common.errors.SerializationException", 60, "java.lang.IllegalArgumentException", 90,
        "java.net.ConnectException", 104, "java.io.IOException", 50, "(none)", 3), asMap(counts.get("by_error_class")));

    assertEquals(0, text.exitCode(), text.toString());
    assertEquals(1 + 307 + 1, text.outLines().size());
  }

  private static Map<String, Integer> asMap(JsonNode node) {
    Map<String, Integer> map = new TreeMap<>();
    node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asInt()));
    return map;
  }

  private static final AvroSerde<TaskRequest> REQUESTS = AvroSerde.of(TaskRequest.class);

  @Test
  void aFilteredReplayRepublishesExactlyTheFilteredOnesAndRunningItAgainReplaysNothing() throws IOException {
    List<DeadLetter> all = fill();
    List<DeadLetter> wanted = where(all, d -> "acme".equals(d.getTenantId()) && "plugin:http".equals(d.getStage()));
    Instant before = Instant.now();

    CliRun first = dlq.dlq("replay", "--tenant", "acme", "--reason", "execution_failed", "--error", "refused", "--execute");
    CliRun again = dlq.dlq("replay", "--tenant", "acme", "--reason", "execution_failed", "--error", "refused", "--execute");

    assertEquals(0, first.exitCode(), first.toString());
    assertTrue(first.out().endsWith("Replayed 50, skipped 0 already replayed, refused 0, failed 0.\n"), first.toString());
    Map<String, ConsumerRecord<byte[], byte[]>> published = awaitReplays(replays, 50);
    assertEquals(idsOf(wanted), new TreeSet<>(published.keySet()));
    assertEquals(0, dlq.readCommitted(ingress).size(), "replays never go to ingress");
    for (DeadLetter deadLetter : wanted) {
      ConsumerRecord<byte[], byte[]> record = published.get(deadLetter.getId());
      TaskRequest original = REQUESTS.deserialize(ingress, DeadLetterEntry.bytes(deadLetter.getOriginalValue()));
      assertEquals(IngressKey.of(original), new String(record.key(), StandardCharsets.UTF_8), "keyed as FabricClient keys requests");
      TaskRequest replayed = REQUESTS.deserialize(replays, record.value());
      ReplayLineage lineage = replayed.getReplay();
      assertNotNull(lineage, "the lineage the gate accepts on the replays topic");
      assertEquals(deadLetter.getId(), lineage.getDeadLetterId());
      assertEquals(1, lineage.getGeneration());
      assertEquals(USER, lineage.getReplayedBy());
      assertEquals(record.timestamp(), lineage.getReplayedAt());
      assertEquals(Optional.empty(), ReservedNames.firstReservedAttribute(replayed.getAttributes()));
      replayed.setReplay(null);
      assertEquals(original, replayed, "otherwise the same request");
      assertEquals(new String(DeadLetterEntry.bytes(deadLetter.getOriginalHeaders().get(0).getValue()), StandardCharsets.UTF_8),
          header(record, TraceContext.HEADER), "original headers are kept");
      assertEquals("1", header(record, ReservedNames.REPLAY_COUNT_HEADER));
      assertEquals(USER, header(record, ReservedNames.REPLAY_BY_HEADER));
      assertTrue(!Instant.parse(header(record, ReservedNames.REPLAY_AT_HEADER)).isBefore(before.truncatedTo(ChronoUnit.MILLIS)));
      assertTrue(record.timestamp() >= before.toEpochMilli(), "a replay is a new record, stamped now");
    }

    assertEquals(0, again.exitCode(), again.toString());
    assertTrue(again.out().contains("already replayed " + wanted.get(0).getId() + "  replayed to " + replays), again.toString());
    assertTrue(again.out().endsWith("Replayed 0, skipped 50 already replayed, refused 0, failed 0.\n"), again.toString());
    assertEquals(50, replaysOn(replays).size());
    io.fabric.schemas.AvroSerde<io.fabric.contracts.AuditEvent> audits = io.fabric.schemas.AvroSerde.of(io.fabric.contracts.AuditEvent.class);
    List<String> replayedAudits = dlq.readCommitted(dlq.catalog.audit.name()).stream().map(r -> audits.deserialize("audit", r.value()))
        .filter(e -> e.getType().equals(io.fabric.schemas.records.AuditEvents.REPLAYED)).map(e -> e.getDetail()).toList();
    assertEquals(50, replayedAudits.size(), "one REPLAYED audit event per replay, none for the rerun");
    wanted.forEach(d -> assertEquals(1, replayedAudits.stream().filter(detail -> detail.contains(d.getId())).count()));

    JsonNode listed = json(dlq.dlq("list", "-o", "json"));
    Set<String> wantedIds = idsOf(wanted);
    listed.forEach(node -> assertEquals(wantedIds.contains(node.get("id").asText()) ? 1 : 0, node.get("times_replayed").asInt()));
    ReplayLedger ledger = ReplayLedger.read(dlq.connection(), dlq.ledgerTopic());
    assertEquals(50, ledger.size());
    ReplayLedger.Replay replay = ledger.entry(wanted.get(0).getId()).orElseThrow().last().orElseThrow();
    assertEquals(replays, replay.targetTopic());
    assertEquals(USER, replay.by());
  }

  @Test
  void aTaskThatFailedAfterTheGateIsReplayedToTheReplaysTopicWithLineageAndWithoutReservedAttributes() {
    // Given a charge that the gate routed (pre-approved) and whose plugin failed, from before the
    // gate blocked reserved attributes, carrying the old replay marker and a forged rollback flag
    String stripe = dlq.catalog.pluginTasks("stripe").name();
    TaskRequest request = DeadLetterSamples.request("acme", "flow-charge", "charge");
    request.setApprovalToken("signed-token");
    request.setAttributes(Map.of("bench", "no", ReservedNames.REPLAY_OF_HEADER, "dlq-old", ReservedNames.ROLLBACK_ACTION, "true"));
    DeadLetter deadLetter = DeadLetterSamples.failedAfterGate(stripe, 3, Instant.now().minusSeconds(30), request,
        new IOException("402 card declined"));
    dlq.deadLetter(List.of(deadLetter));

    // When it is replayed
    CliRun run = dlq.dlq("replay", "--flow", "flow-charge", "--execute");

    // Then the request lands on the replays topic with its lineage, token and reserved attributes gone
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("-> " + replays + "  acme/flow-charge/charge  replay 1 of at most 3"), run.toString());
    ConsumerRecord<byte[], byte[]> record = awaitReplays(replays, 1).get(deadLetter.getId());
    TaskRequest replayed = REQUESTS.deserialize(replays, record.value());
    assertEquals(IngressKey.of(request), new String(record.key(), StandardCharsets.UTF_8));
    assertEquals(Map.of("bench", "no"), replayed.getAttributes());
    assertEquals(null, replayed.getApprovalToken(), "a token works once");
    assertEquals(deadLetter.getId(), replayed.getReplay().getDeadLetterId());
    assertEquals(1, replayed.getReplay().getGeneration());
    assertEquals(request.getRequestId(), replayed.getRequestId());
    assertEquals(deadLetter.getId(), header(record, ReservedNames.REPLAY_OF_HEADER), "provenance headers are kept");
    assertEquals(0, dlq.readCommitted(ingress).size());
  }

  @Test
  void aReplayWithTheReplayersKeyIsSignedByTheReplayerAndNamesTheOriginalSubmitter(@TempDir Path keys) throws IOException {
    // Given a signed agent's request that failed after the gate, and the replayer's key
    TaskRequest request = DeadLetterSamples.request("acme", "flow-signed", "charge");
    request.setSubmitter("billing-agent");
    DeadLetter deadLetter = DeadLetterSamples.failedAfterGate(dlq.catalog.pluginTasks("stripe").name(), 4, Instant.now().minusSeconds(30),
        request, new IOException("503"));
    dlq.deadLetter(List.of(deadLetter));
    ApproverKeys.KeyFiles replayer = ApproverKeys.generate("dlq-replayer", keys);

    // When it is replayed with --key
    CliRun run = dlq.dlq("replay", "--flow", "flow-signed", "--key", replayer.privateKeyFile().toString(), "--execute");

    // Then the replay is the replayer's, names the agent, and passes the gate's identity check
    assertEquals(0, run.exitCode(), run.toString());
    TaskRequest replayed = REQUESTS.deserialize(replays, awaitReplays(replays, 1).get(deadLetter.getId()).value());
    assertEquals("dlq-replayer", replayed.getSubmitter());
    assertEquals("billing-agent", replayed.getReplay().getOriginalSubmitter());
    SubmitterVerifier gate = new SubmitterVerifier(ApproverRegistry.of(new Approver("dlq-replayer",
        ApproverKeys.readPublicKey(replayer.publicKeyFile()), Set.of(ReservedNames.REPLAY_SCOPE, "*"), Set.of("*"))));
    assertEquals(Optional.empty(), gate.check(replayed, System.currentTimeMillis()));
  }

  @Test
  void aReplayKeyThatCannotBeReadIsRefusedBeforeAnythingIsPublished(@TempDir Path keys) {
    CliRun run = dlq.dlq("replay", "--flow", "nothing", "--key", keys.resolve("missing.key").toString(), "--execute");

    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains("missing.key"), run.toString());
  }

  @Test
  void aReplayStoppedHalfWayAndRunAgainRepublishesEachRecordOnceInTotal() {
    List<DeadLetter> all = fill();
    Set<String> unknownTypes = idsOf(where(all, d -> Reason.UNKNOWN_TASK_TYPE.name().equals(d.getReason())));

    CliRun half = dlq.dlq("replay", "--reason", "UNKNOWN_TASK_TYPE", "--max", "40", "--rate", "1000", "--execute");
    int afterHalf = awaitReplays(replays, 40).size();
    CliRun rest = dlq.dlq("replay", "--reason", "UNKNOWN_TASK_TYPE", "--execute");

    assertEquals(0, half.exitCode(), half.toString());
    assertTrue(half.out().endsWith("Replayed 40, skipped 0 already replayed, refused 0, failed 0; 50 left for a later run (--max).\n"),
        half.toString());
    assertEquals(40, afterHalf);
    assertEquals(0, rest.exitCode(), rest.toString());
    assertTrue(rest.out().endsWith("Replayed 50, skipped 40 already replayed, refused 0, failed 0.\n"), rest.toString());
    assertEquals(unknownTypes, new TreeSet<>(awaitReplays(replays, 90).keySet()));
  }

  @Test
  void aFailedBatchIsRolledBackAndTheRerunReplaysEachRecordOnce() throws Exception {
    dlq.createTopic(scratch, Map.of(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "4096"));
    List<DeadLetter> deadLetters = new ArrayList<>();
    Instant base = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
    for (int i = 0; i < 21; i++) {
      deadLetters.add(DeadLetterSamples.executionFailed(ingress, i, base.plusSeconds(i), "http", "acme", "flow-" + i,
          "send_whatsapp", new ConnectException("connection refused"), 1));
    }
    // The 16th record is too large for the scratch topic: the broker rejects it inside the second batch.
    DeadLetter big = deadLetters.get(15);
    big.setOriginalValue(java.nio.ByteBuffer.wrap(new byte[20_000]));
    dlq.deadLetter(deadLetters);

    // 40 records/s commits every 10 records: the first batch commits, the second fails.
    CliRun failing = dlq.dlq("replay", "--to-topic", scratch, "--rate", "40", "--execute");

    assertEquals(1, failing.exitCode(), failing.toString());
    assertTrue(failing.err().contains("publishing failed, the last batch was rolled back: "), failing.toString());
    assertTrue(failing.err().contains("RecordTooLargeException"), failing.toString());
    assertTrue(failing.out().endsWith("Replayed 10, skipped 0 already replayed, refused 0, failed 10; 1 left for a later run.\n"),
        failing.toString());
    assertEquals(idsOf(deadLetters.subList(0, 10)), new TreeSet<>(awaitReplays(scratch, 10).keySet()),
        "only the committed batch is visible to read_committed consumers");
    assertEquals(10, ReplayLedger.read(dlq.connection(), dlq.ledgerTopic()).size());

    try (Admin admin = Admin.create(Map.of("bootstrap.servers", dlq.bootstrap))) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, scratch), List.of(new AlterConfigOp(
          new ConfigEntry(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, "1048576"), AlterConfigOp.OpType.SET)))).all().get();
    }
    CliRun rerun = dlq.dlq("replay", "--to-topic", scratch, "--execute");

    assertEquals(0, rerun.exitCode(), rerun.toString());
    assertTrue(rerun.out().endsWith("Replayed 11, skipped 10 already replayed, refused 0, failed 0.\n"), rerun.toString());
    assertEquals(idsOf(deadLetters), new TreeSet<>(awaitReplays(scratch, 21).keySet()));
  }

  @Test
  void theLoopGuardRefusesALineageReplayedMaxReplaysTimes() throws IOException {
    List<DeadLetter> all = fill();

    CliRun guarded = dlq.dlq("replay", "--tenant", "loopy", "--execute");
    CliRun allowed = dlq.dlq("replay", "--tenant", "loopy", "--max-replays", "4", "--execute", "-o", "json");

    assertEquals(3, guarded.exitCode(), guarded.toString());
    assertTrue(guarded.out().endsWith("Replayed 0, skipped 0 already replayed, refused 4, failed 0.\n"), guarded.toString());
    assertEquals(0, allowed.exitCode(), allowed.toString());
    JsonNode report = json(allowed);
    assertEquals(4, report.get("summary").get("replayed").asInt());
    Map<String, ConsumerRecord<byte[], byte[]>> published = awaitReplays(replays, 4);
    assertEquals(idsOf(where(all, d -> "loopy".equals(d.getTenantId()))), new TreeSet<>(published.keySet()));
    published.values().forEach(r -> assertEquals("4", header(r, ReservedNames.REPLAY_COUNT_HEADER)));
    published.values().forEach(r -> assertEquals(4, REQUESTS.deserialize(replays, r.value()).getReplay().getGeneration()));
  }

  @Test
  void aTaskThatKeepsFailingAfterTheGateIsRefusedOnceItsLineageWasReplayedThreeTimes() {
    // Given a task that failed in its plugin, after the gate
    String http = dlq.catalog.pluginTasks("http").name();
    DeadLetter first = DeadLetterSamples.failedAfterGate(http, 7, Instant.now().minusSeconds(60),
        DeadLetterSamples.request("acme", "flow-loop", "send_whatsapp"), new ConnectException("connection refused"));
    dlq.deadLetter(List.of(first));

    for (int generation = 1; generation <= 3; generation++) {
      // When it is replayed
      CliRun look = dlq.dlq("replay", "--flow", "flow-loop");
      CliRun replay = dlq.dlq("replay", "--flow", "flow-loop", "--execute");

      assertTrue(look.out().contains("replay " + generation + " of at most 3"), look.toString());
      assertEquals(0, replay.exitCode(), replay.toString());
      assertTrue(replay.out().contains("Replayed 1, skipped " + (generation - 1) + " already replayed"), replay.toString());
      awaitReplays(replays, generation);
      TaskRequest replayed = latestReplay();
      assertEquals(generation, replayed.getReplay().getGeneration());
      // The gate routes the replay with headers of its own (no replay count) and the plugin fails it again:
      // a new dead letter whose only memory of the replays is the request's lineage.
      dlq.deadLetter(List.of(DeadLetterSamples.failedAfterGate(http, 7 + generation, Instant.now(), replayed,
          new ConnectException("connection refused"))));
    }
    CliRun fourth = dlq.dlq("replay", "--flow", "flow-loop", "--execute");

    // Then the fourth replay is refused
    assertEquals(3, fourth.exitCode(), fourth.toString());
    assertTrue(fourth.out().contains("loop guard: replayed 3 times already (--max-replays 3)"), fourth.toString());
    assertTrue(fourth.out().endsWith("Replayed 0, skipped 3 already replayed, refused 1, failed 0.\n"), fourth.toString());
    assertEquals(3, awaitReplays(replays, 3).size());
  }

  private TaskRequest latestReplay() {
    return dlq.readCommitted(replays).stream().map(r -> REQUESTS.deserialize(replays, r.value()))
        .max(java.util.Comparator.comparingInt(r -> r.getReplay().getGeneration()))
        .orElseThrow();
  }

  @Test
  void replayingToAScratchTopicFirstDoesNotUseUpTheReplayToTheOriginalTopic() {
    List<DeadLetter> all = fill();
    dlq.createTopic(scratch, Map.of());
    List<DeadLetter> mail = where(all, d -> "plugin:mail".equals(d.getStage()));

    CliRun look = dlq.dlq("replay", "--stage", "plugin:mail", "--to-topic", scratch, "--execute");
    CliRun real = dlq.dlq("replay", "--stage", "plugin:mail", "--execute");

    assertEquals(0, look.exitCode(), look.toString());
    assertEquals(0, real.exitCode(), real.toString());
    assertEquals(idsOf(mail), new TreeSet<>(awaitReplays(scratch, mail.size()).keySet()));
    Map<String, ConsumerRecord<byte[], byte[]>> toGate = awaitReplays(replays, mail.size());
    assertEquals(idsOf(mail), new TreeSet<>(toGate.keySet()));
    toGate.values().forEach(r -> assertEquals("2", header(r, ReservedNames.REPLAY_COUNT_HEADER)));
  }
}
