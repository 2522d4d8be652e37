package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.audit.chain.AuditChainReader;
import io.fabric.audit.sequencer.AuditChainApp;
import io.fabric.audit.sequencer.AuditChainTopology;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit chain on the real embedded broker: traffic through the gate, the router and the plugins,
 * chained by the sequencer; {@code fabric audit verify} passes on the chain and names the offset in a
 * copy with one record rewritten or dropped; a sequencer restart keeps the chain whole; an evidence
 * pack of an approved request verifies offline and fails after any byte of it changes.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AuditChainIntegrationTest {
  private static final AvroSerde<ChainedAuditEvent> CHAINED = AvroSerde.of(ChainedAuditEvent.class);

  @TempDir
  static Path dir;

  private static String prefix;
  private static TopicCatalog catalog;
  private static KafkaConnection connection;
  private static FabricRuntime runtime;
  private static StreamsApp sequencer;
  private static String approvedFlow;

  @BeforeAll
  static void startFabric() throws IOException {
    prefix = EmbeddedKafkaExtension.uniqueName("audit") + ".";
    assertEquals(0, cli("keys", "generate", "--approver", "alice", "--out", dir.resolve("keys").toString()).exitCode());
    assertEquals(0, cli("keys", "generate", "--submitter", "agent", "--out", dir.resolve("keys").toString()).exitCode());
    Files.writeString(dir.resolve("approvers.yaml"), "approvers:\n  alice: { public_key_file: keys/alice.pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Files.writeString(dir.resolve("submitters.yaml"), "submitters:\n  agent: { public_key_file: keys/agent.pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Files.writeString(dir.resolve("policy.yaml"), "tenants:\n  acme: { B: [summarize] }\n");
    CliRun topics = cli("topics", "apply");
    assertEquals(0, topics.exitCode(), topics.toString());

    ConnectionOptions kafka = new ConnectionOptions();
    kafka.bootstrapServer = EmbeddedKafkaExtension.bootstrapServers();
    kafka.topicPrefix = prefix;
    kafka.partitions = 3;
    catalog = kafka.catalog();
    connection = kafka.connection();
    AppOptions apps = new AppOptions();
    apps.policyFile = dir.resolve("policy.yaml");
    apps.approversFile = dir.resolve("approvers.yaml");
    apps.submittersFile = dir.resolve("submitters.yaml");
    FabricRuntime.Settings all = apps.settings(kafka, kafka.bootstrapServer, dir.resolve("state"));
    // the sequencer runs on its own here, so the test can stop and start it
    runtime = FabricRuntime.start(new FabricRuntime.Settings(all.connection(), all.catalog(), all.registry(), all.policy(), all.verifier(),
        all.stateDir(), EnumSet.of(FabricRuntime.App.POLICY, FabricRuntime.App.ROUTER, FabricRuntime.App.PLUGINS), all.streamsOverrides(),
        all.pluginRuntime(), all.submitters()));
    sequencer = startSequencer();
  }

  private static StreamsApp startSequencer() {
    return AuditChainApp.create(connection, catalog, dir.resolve("state").resolve(AuditChainTopology.STAGE), Map.of())
        .startAndAwait(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stopFabric() {
    if (sequencer != null) {
      sequencer.close();
    }
    if (runtime != null) {
      runtime.close();
    }
  }

  static CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!args[0].equals("keys") && !(args[0].equals("evidence") && args[1].equals("verify"))) {
      all.addAll(List.of("--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix));
    }
    return CliRun.of(all.toArray(String[]::new));
  }

  private static String submit(String... args) {
    CliRun run = cli(args);
    assertEquals(0, run.exitCode(), run.toString());
    return run.out().strip();
  }

  /** Traffic that audits: a forbidden request, an unsigned one, and an approved one. */
  private static void traffic(String flow) {
    String key = dir.resolve("keys/agent.key").toString();
    String forbidden = submit("submit", "--tenant", "acme", "--action", "exfiltrate_secrets", "--key", key);
    // an unsigned request is refused with a SECURITY_EVENT and no status
    submit("submit", "--tenant", "acme", "--action", "summarize", "--payload", "{\"text\":\"x\"}");
    String approved = submit("submit", "--tenant", "acme", "--action", "summarize", "--flow", flow, "--payload",
        "{\"text\":\"Kafka keeps the log.\"}", "--key", key, "--final");
    assertTrue(cli("status", forbidden, "--wait", "PT60S").out().contains("BLOCKED"));
    await().atMost(Duration.ofSeconds(60)).until(() -> cli("status", approved).out().contains("PENDING_APPROVAL"));
    CliRun approve = cli("approve", approved, "--key", dir.resolve("keys/alice.key").toString());
    assertEquals(0, approve.exitCode(), approve.toString());
    CliRun done = cli("status", approved, "--wait", "PT60S");
    assertTrue(done.out().contains("EXECUTED"), done.toString());
  }

  private static Set<String> auditEventIds() {
    Set<String> ids = new HashSet<>();
    LatestByKeyReader.everything(connection, catalog.audit).forEach(e -> ids.add(e.getId()));
    return ids;
  }

  private static List<ChainedAuditEvent> chained(String topic) {
    return AuditChainReader.readAll(connection, topic).records().stream().map(AuditChainReader.StoredRecord::chained).toList();
  }

  /** Every audit event is chained exactly once. */
  private static void awaitEveryEventChained() {
    await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
      Set<String> ids = auditEventIds();
      List<ChainedAuditEvent> chain = chained(catalog.auditChain.name());
      Set<String> chainedIds = new HashSet<>();
      chain.forEach(c -> chainedIds.add(AuditChainReader.event(c).getId()));
      assertEquals(ids.size(), chain.size(), "one chained record per audit event");
      assertEquals(ids, chainedIds);
    });
  }

  @Test
  @Order(1)
  void theChainOfRealTrafficVerifiesAndCoversEveryAuditEvent() {
    approvedFlow = "flow-" + UUID.randomUUID();
    traffic(approvedFlow);
    awaitEveryEventChained();

    CliRun verify = cli("audit", "verify");
    assertEquals(0, verify.exitCode(), verify.toString());
    assertTrue(verify.out().contains("verified"), verify.toString());
    CliRun json = cli("audit", "verify", "-o", "json");
    assertEquals(0, json.exitCode(), json.toString());
    assertTrue(json.out().contains("\"verified\" : true"), json.toString());

    CliRun tail = cli("audit", "tail", "--type", "POLICY_VIOLATION", "--tenant", "acme", "-o", "json");
    assertEquals(0, tail.exitCode(), tail.toString());
    assertTrue(tail.out().contains("POLICY_VIOLATION") && !tail.out().contains("SECURITY_EVENT"), tail.toString());
  }

  @Test
  @Order(2)
  void aCopyWithOneRecordRewrittenOrDroppedFailsNamingTheOffset() throws Exception {
    awaitEveryEventChained();
    AuditChainReader.Snapshot original = AuditChainReader.readAll(connection, catalog.auditChain.name());
    int partition = original.partitions().stream().max(java.util.Comparator.comparingLong(
        p -> original.records().stream().filter(r -> r.partition() == p).count())).orElseThrow();
    List<AuditChainReader.StoredRecord> inPartition = original.records().stream().filter(r -> r.partition() == partition).toList();
    assertTrue(inPartition.size() >= 2, "traffic put at least two events in partition " + partition);
    // a record inside the chain, or its first one: dropping the last would leave a valid (shorter) chain,
    // which only the sequencer's own head can tell apart
    int victim = inPartition.size() >= 3 ? inPartition.size() / 2 : 0;

    // rewritten: one byte of one event changed, its hash left as it was
    String edited = copy(original, (r) -> {
      if (r.partition() != partition || r.offset() != inPartition.get(victim).offset()) {
        return r.value();
      }
      ChainedAuditEvent c = r.chained();
      byte[] event = io.fabric.audit.chain.ChainHash.bytes(c.getEvent());
      event[event.length - 1] ^= 0x01;
      c.setEvent(ByteBuffer.wrap(event));
      return CHAINED.serialize("t", c);
    });
    CliRun editedRun = cli("audit", "verify", "--topic", edited);
    assertEquals(1, editedRun.exitCode(), editedRun.toString());
    assertTrue(editedRun.out().contains("BREAK partition " + partition + " offset " + victim + ": edited"), editedRun.toString());

    // dropped: the copy lacks one record, so the one after it (now at the victim's offset) names the gap
    String dropped = copy(original, r -> r.partition() == partition && r.offset() == inPartition.get(victim).offset() ? null : r.value());
    CliRun droppedRun = cli("audit", "verify", "--topic", dropped);
    assertEquals(1, droppedRun.exitCode(), droppedRun.toString());
    assertTrue(droppedRun.out().contains("BREAK partition " + partition + " offset " + victim + ": missing"), droppedRun.toString());

    // the original still verifies
    assertEquals(0, cli("audit", "verify").exitCode());
  }

  /** Copies the chain record by record to a new topic (same partitions, offsets from 0), rewriting values; null drops one. */
  private static String copy(AuditChainReader.Snapshot original, Function<AuditChainReader.StoredRecord, byte[]> rewrite) throws Exception {
    String topic = EmbeddedKafkaExtension.uniqueName("chain-copy");
    try (Admin admin = Admin.create(connection.clientConfig())) {
      admin.createTopics(List.of(new NewTopic(topic, original.partitions().size(), (short) 1))).all().get();
    }
    Map<String, Object> config = connection.clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (AuditChainReader.StoredRecord r : original.records()) {
        byte[] value = rewrite.apply(r);
        if (value != null) {
          producer.send(new ProducerRecord<>(topic, r.partition(), r.key(), value)).get();
        }
      }
    }
    return topic;
  }

  @Test
  @Order(3)
  void aSequencerRestartInTheMiddleKeepsTheChainWhole() {
    sequencer.close();
    String whileDown = submit("submit", "--tenant", "acme", "--action", "exfiltrate_secrets", "--key", dir.resolve("keys/agent.key").toString());
    assertTrue(cli("status", whileDown, "--wait", "PT60S").out().contains("BLOCKED"));
    sequencer = startSequencer();
    traffic("flow-" + UUID.randomUUID());
    awaitEveryEventChained();
    CliRun verify = cli("audit", "verify");
    assertEquals(0, verify.exitCode(), verify.toString());
  }

  @Test
  @Order(4)
  void anEvidencePackOfAnApprovedRequestVerifiesOfflineAndFailsAfterAnyByteChanges() throws Exception {
    awaitEveryEventChained();
    Path pack = dir.resolve("evidence-" + UUID.randomUUID() + ".json");
    CliRun export = cli("evidence", "export", approvedFlow, "--out", pack.toString(), "--approvers", dir.resolve("approvers.yaml").toString(),
        "--submitters", dir.resolve("submitters.yaml").toString());
    assertEquals(0, export.exitCode(), export.toString());
    assertTrue(export.out().contains("approval=") && export.out().contains("audit=") && export.out().contains("checkpoint=")
        && export.out().contains("decision=") && export.out().contains("request="), export.toString());

    CliRun verify = cli("evidence", "verify", pack.toString());
    assertEquals(0, verify.exitCode(), verify.toString());
    assertTrue(verify.out().contains("signature verifies with agent's key"), verify.toString());
    assertTrue(verify.out().contains("signature verifies with alice's key in the pack: they decided APPROVE"), verify.toString());
    assertTrue(verify.out().contains("hash = SHA-256(previous hash || event) holds"), verify.toString());
    assertTrue(verify.out().contains("cannot prove"), verify.toString());

    byte[] bytes = Files.readAllBytes(pack);
    for (int position : new int[] {0, 1, bytes.length / 7, bytes.length / 3, bytes.length / 2, 2 * bytes.length / 3, bytes.length - 70,
        bytes.length - 3, bytes.length - 2, bytes.length - 1}) {
      byte[] changed = bytes.clone();
      changed[position] = (byte) (changed[position] == ' ' ? '\t' : changed[position] ^ 0x01);
      Path tampered = dir.resolve("tampered-" + position + ".json");
      Files.write(tampered, changed);
      CliRun run = cli("evidence", "verify", tampered.toString());
      assertEquals(1, run.exitCode(), "byte " + position + " changed: " + run);
    }
    CliRun json = cli("evidence", "verify", pack.toString(), "-o", "json");
    assertEquals(0, json.exitCode(), json.toString());

    // against the live topics: every item is the record the fabric wrote at its position
    CliRun live = CliRun.of("evidence", "verify", pack.toString(), "--against-kafka", "--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers());
    assertEquals(0, live.exitCode(), live.toString());
    assertTrue(live.out().contains("the live topic holds the same bytes") && live.out().contains("the live chain holds this head"), live.toString());
  }

  @Test
  @Order(5)
  void exitCodes() {
    assertEquals(1, cli("evidence", "verify", dir.resolve("missing.json").toString()).exitCode());
    assertNotEquals(0, cli("audit", "verify", "--no-such-option").exitCode());
    CliRun unknownFlow = cli("evidence", "export", "no-such-flow", "--out", dir.resolve("none.json").toString());
    assertEquals(1, unknownFlow.exitCode(), unknownFlow.toString());
    assertEquals(1, cli("audit", "verify", "--topic", "no-such-topic-" + UUID.randomUUID()).exitCode());
  }
}
