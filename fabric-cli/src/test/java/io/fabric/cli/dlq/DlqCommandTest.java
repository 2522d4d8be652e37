package io.fabric.cli.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.DeadLetter;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.dlq.DeadLetterSamples;
import io.fabric.cli.dlq.DlqTestSupport.CliRun;
import io.fabric.policy.approvals.ApproverKeys;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every dlq command, filter, output format and exit code through picocli, against a small DLQ on
 * the embedded broker. Only dry runs and failing replays here: nothing is republished, so the
 * tests share one DLQ.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DlqCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant OLD = Instant.parse("2026-01-10T08:00:00Z");

  private DlqTestSupport dlq;
  private DeadLetter acmeHttp;
  private DeadLetter globexMail;
  private DeadLetter undecodable;
  private DeadLetter unknownType;
  private DeadLetter recent;
  private DeadLetter looped;

  @BeforeAll
  void fillTheDlq() {
    dlq = DlqTestSupport.create();
    String ingress = dlq.catalog.ingress.name();
    acmeHttp = DeadLetterSamples.executionFailed(ingress, 1, OLD, "http", "acme", "flow-a", "send_whatsapp",
        new ConnectException("connection refused"), 3);
    globexMail = DeadLetterSamples.executionFailed(ingress, 2, OLD.plus(Duration.ofHours(1)), "mail", "globex", "flow-g",
        "send_email", new IOException("smtp 550 mailbox unavailable"), 2);
    undecodable = DeadLetterSamples.undecodable(ingress, 3, OLD.plus(Duration.ofHours(2)));
    unknownType = DeadLetterSamples.unknownTaskType(ingress, 4, OLD.plus(Duration.ofHours(3)), "acme", "flow-u", "teleport");
    recent = DeadLetterSamples.executionFailed(ingress, 5, Instant.now().minus(Duration.ofMinutes(5)), "http", "acme",
        "flow-r", "send_whatsapp", new ConnectException("connection timed out"), 1);
    looped = DeadLetterSamples.replayedBefore(DeadLetterSamples.executionFailed(ingress, 6, OLD.plus(Duration.ofHours(4)),
        "http", "initech", "flow-l", "send_whatsapp", new ConnectException("connection refused"), 3), 3);
    dlq.deadLetter(List.of(acmeHttp, globexMail, undecodable, unknownType, recent, looped));
    dlq.rawToDlq("junk".getBytes(), new byte[] {0x01, 0x02, 0x03});
  }

  private Path submitters(Path dir) throws IOException {
    ApproverKeys.generate("acme-agent", dir);
    Path file = dir.resolve("submitters.yaml");
    Files.writeString(file, "submitters:\n  acme-agent: { public_key_file: acme-agent.pub, actions: [\"*\"], tenants: [acme] }\n");
    return file;
  }

  @Test
  void asASubmitterListAndStatsShowOnlyItsTenantsAndShowRefusesAnotherTenantsDeadLetter(@TempDir Path dir) throws IOException {
    String registry = submitters(dir).toString();

    assertEquals(ids(acmeHttp, unknownType, recent), listedIds("--as", "acme-agent", "--submitters", registry));
    assertEquals(ids(acmeHttp, unknownType, recent), listedIds("--as", "acme-agent", "--submitters", registry, "--tenant", "acme,globex"));
    assertEquals(ids(globexMail), listedIds("--tenant", "globex"));
    CliRun stats = dlq.dlq("stats", "--as", "acme-agent", "--submitters", registry, "-o", "json");
    assertEquals(0, stats.exitCode(), stats.toString());
    assertTrue(!stats.out().contains("globex") && !stats.out().contains("initech"), stats.toString());

    CliRun own = dlq.dlq("show", acmeHttp.getId(), "--as", "acme-agent", "--submitters", registry);
    assertEquals(0, own.exitCode(), own.toString());
    for (String[] args : List.of(new String[] {"show", globexMail.getId(), "--as", "acme-agent", "--submitters", registry},
        new String[] {"show", globexMail.getId(), "--tenant", "acme"})) {
      CliRun other = dlq.dlq(args);
      assertEquals(1, other.exitCode(), other.toString());
      assertEquals("error: no dead letter with id " + globexMail.getId() + " on " + dlq.catalog.dlq.name() + " for tenant(s) acme",
          other.err().strip(), "one line, the same as for an unknown id");
      assertEquals("", other.out());
    }
  }

  @Test
  void aTenantOutsideTheSubmittersScopeOrAnUnknownNameIsRefusedInOneLine(@TempDir Path dir) throws IOException {
    String registry = submitters(dir).toString();

    CliRun outside = dlq.dlq("list", "--as", "acme-agent", "--submitters", registry, "--tenant", "globex");
    assertEquals(1, outside.exitCode(), outside.toString());
    assertEquals("error: --tenant globex is outside the tenants of acme-agent (acme)", outside.err().strip());
    CliRun unknown = dlq.dlq("list", "--as", "ghost", "--submitters", registry);
    assertEquals(1, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().strip().startsWith("error: --as ghost: no such submitter"), unknown.toString());
  }

  private Set<String> listedIds(String... filters) {
    List<String> args = new ArrayList<>(List.of("list", "-o", "json"));
    args.addAll(List.of(filters));
    CliRun run = dlq.dlq(args.toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.toString());
    Set<String> ids = new TreeSet<>();
    readJson(run).forEach(node -> ids.add(node.get("id").asText()));
    return ids;
  }

  private static Set<String> ids(DeadLetter... deadLetters) {
    Set<String> ids = new TreeSet<>();
    for (DeadLetter deadLetter : deadLetters) {
      ids.add(deadLetter.getId());
    }
    return ids;
  }

  private static JsonNode readJson(CliRun run) {
    try {
      return JSON.readTree(run.out());
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + run, e);
    }
  }

  private String unreadableId() {
    return listedIds("--reason", "UNREADABLE").iterator().next();
  }

  @Test
  void listPrintsOneLinePerDeadLetterOldestFirst() {
    CliRun run = dlq.dlq("list");

    assertEquals(0, run.exitCode(), run.toString());
    List<String> lines = run.outLines();
    assertEquals(1 + 7 + 1, lines.size(), run.toString());
    assertTrue(lines.get(0).matches("ID +DEAD-LETTERED +STAGE +TENANT +FLOW +ACTION +REASON +ATTEMPTS +REPLAYED +ERROR"),
        lines.get(0));
    assertTrue(lines.get(1).startsWith(acmeHttp.getId() + "  2026-01-10T08:00:00Z  plugin:http"), lines.get(1));
    assertTrue(lines.get(1).matches(".*acme +flow-a +send_whatsapp +EXECUTION_FAILED +3 +0 +ConnectException: connection refused"),
        lines.get(1));
    assertTrue(lines.get(3).contains("policy-stream") && lines.get(3).contains("UNDECODABLE"), lines.get(3));
    assertTrue(run.out().contains("UNREADABLE"), "the undecodable DLQ record is listed too: " + run);
    assertEquals("7 dead letters.", lines.get(lines.size() - 1));
  }

  @Test
  void listAsJsonCarriesContextAndWhereEachRecordCameFrom() {
    JsonNode all = readJson(dlq.dlq("list", "-o", "json"));

    assertEquals(7, all.size());
    JsonNode first = all.get(0);
    assertEquals(acmeHttp.getId(), first.get("id").asText());
    assertEquals("2026-01-10T08:00:00Z", first.get("at").asText());
    assertEquals("acme", first.get("tenant_id").asText());
    assertEquals("java.net.ConnectException", first.get("error_class").asText());
    assertEquals(3, first.get("attempts").asInt());
    assertEquals(0, first.get("times_replayed").asInt());
    assertEquals(dlq.catalog.ingress.name(), first.get("original").get("topic").asText());
  }

  @Test
  void everyFilterNarrowsTheList() {
    assertEquals(ids(acmeHttp, unknownType, recent), listedIds("--tenant", "acme"));
    assertEquals(ids(acmeHttp, globexMail, unknownType, recent), listedIds("--tenant", "acme,globex"));
    assertEquals(ids(acmeHttp, globexMail), listedIds("--flow", "flow-a", "--flow", "flow-g"));
    assertEquals(ids(unknownType), listedIds("--action", "teleport"));
    assertEquals(ids(globexMail), listedIds("--stage", "plugin:mail"));
    assertEquals(ids(undecodable), listedIds("--reason", "undecodable"));
    assertEquals(ids(acmeHttp, looped), listedIds("--error", "refused$"));
    assertEquals(ids(acmeHttp, globexMail, recent, looped), listedIds("--error", "^java\\.(net|io)\\."));
    assertEquals(ids(globexMail, undecodable), listedIds("--from-datetime", "2026-01-10T09:00:00.000",
        "--to-datetime", "2026-01-10T11:00:00.000"));
    assertEquals(ids(acmeHttp), listedIds("--from-datetime", "2026-01-10T09:00:00+01:00",
        "--to-datetime", "2026-01-10T09:30:00+01:00"));
    Set<String> lastHour = ids(recent);
    lastHour.add(unreadableId());
    assertEquals(lastHour, listedIds("--by-duration", "PT1H"), "the unreadable record counts by its Kafka timestamp");
    assertEquals(ids(acmeHttp, recent), listedIds("--tenant", "acme", "--action", "send_whatsapp", "--reason", "EXECUTION_FAILED"));
    assertEquals(Set.of(), listedIds("--tenant", "nobody"));
  }

  @Test
  void listWithNoMatchSaysSoAndExitsZero() {
    CliRun run = dlq.dlq("list", "--tenant", "nobody");

    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().startsWith("No dead letters on " + dlq.catalog.dlq.name() + " match (filters: tenant=nobody)"), run.toString());
  }

  @Test
  void showDecodesAnIngressRecordAsTaskRequest() {
    CliRun run = dlq.dlq("show", acmeHttp.getId());

    assertEquals(0, run.exitCode(), run.toString());
    String out = run.out();
    assertTrue(out.startsWith("Dead letter " + acmeHttp.getId()), out);
    assertTrue(out.contains("stage          plugin:http"), out);
    assertTrue(out.contains("error          ConnectException: connection refused"), out);
    assertTrue(out.contains("action         send_whatsapp (class A)"), out);
    assertTrue(out.contains("replayed       never"), out);
    assertTrue(out.contains("#3  "), "attempts are listed: " + out);
    assertTrue(out.contains("key            flow-a"), out);
    assertTrue(out.contains("traceparent: 00-"), "original headers are shown: " + out);
    assertTrue(out.contains("value (TaskRequest):"), out);
    assertTrue(out.contains("\"tenant_id\" : \"acme\""), out);
    assertTrue(out.contains("\"payload\" : \"{\\\"to\\\":\\\"+15550100\\\""), out);
  }

  @Test
  void showAsJsonHasTheDecodedRequestAndTheRawBytes() {
    JsonNode node = readJson(dlq.dlq("show", acmeHttp.getId(), "-o", "json"));

    assertEquals(acmeHttp.getId(), node.get("id").asText());
    assertEquals("ConnectException: connection refused", node.get("error_message").asText());
    assertEquals(3, node.get("attempts").size());
    assertEquals(0, node.get("lineage_replays").asInt());
    JsonNode original = node.get("original");
    assertEquals("flow-a", original.get("key").asText());
    assertEquals("TaskRequest", original.get("value_type").asText());
    assertEquals("send_whatsapp", original.get("value").get("action").asText());
    assertFalse(original.get("value_base64").asText().isEmpty());
    assertEquals("traceparent", original.get("headers").get(0).get("key").asText());
  }

  @Test
  void showGivesRawBytesInBase64WhenTheOriginalDoesNotDecode() {
    CliRun run = dlq.dlq("show", undecodable.getId());

    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("value          not decoded (SerializationException: not an Avro single-object record"),
        run.toString());
    String base64 = java.util.Base64.getEncoder().encodeToString("not avro #3".getBytes());
    assertTrue(run.out().contains("raw value      base64:" + base64), run.toString());
  }

  @Test
  void showsAnUnreadableDlqRecordWithItsBytes() {
    CliRun run = dlq.dlq("show", unreadableId());

    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("the DLQ record itself cannot be decoded"), run.toString());
    assertTrue(run.out().contains("raw value      base64:AQID"), run.toString());
  }

  @Test
  void showOfAnUnknownIdExitsOne() {
    CliRun run = dlq.dlq("show", "no-such-id");

    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains("no dead letter with id no-such-id"), run.toString());
  }

  @Test
  void statsCountByStageReasonErrorClassTenantAndAction() {
    JsonNode stats = readJson(dlq.dlq("stats", "-o", "json"));

    assertEquals(7, stats.get("total").asInt());
    assertEquals(3, stats.get("by_stage").get("plugin:http").asInt());
    assertEquals(1, stats.get("by_stage").get("(none)").asInt());
    assertEquals(4, stats.get("by_reason").get("EXECUTION_FAILED").asInt());
    assertEquals(1, stats.get("by_reason").get("UNREADABLE").asInt());
    assertEquals(3, stats.get("by_error_class").get("java.net.ConnectException").asInt());
    assertEquals(3, stats.get("by_tenant").get("acme").asInt());
    assertEquals(3, stats.get("by_action").get("send_whatsapp").asInt());
  }

  @Test
  void statsAsTextListMostFrequentFirstAndHonourFilters() {
    CliRun run = dlq.dlq("stats", "--tenant", "acme");

    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().startsWith("3 dead letters on " + dlq.catalog.dlq.name() + " (filters: tenant=acme)"), run.toString());
    assertTrue(run.out().contains("By stage:\n  plugin:http    2\n  router-stream  1\n"), run.toString());
    assertTrue(run.out().contains("By action:\n  send_whatsapp  2\n  teleport       1\n"), run.toString());
  }

  @Test
  void replayIsADryRunByDefaultAndPublishesNothing() {
    CliRun run = dlq.dlq("replay", "--tenant", "acme");

    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("would replay     " + acmeHttp.getId() + "  -> " + dlq.catalog.replays.name()
        + "  acme/flow-a/send_whatsapp  replay 1 of at most 3"), run.toString());
    assertTrue(run.out().contains("Dry run: would replay 3, skip 0 already replayed, refuse 0. Nothing was published; "
        + "add --execute to replay."), run.toString());
    assertEquals(0, dlq.readCommitted(dlq.catalog.replays.name()).size());
    assertEquals(0, dlq.readCommitted(dlq.catalog.ingress.name()).size());
  }

  @Test
  void aDryRunWithRefusalsExitsThreeAndSaysWhy() {
    CliRun run = dlq.dlq("replay", "--error", "refused|Avro", "--max", "1");

    assertEquals(3, run.exitCode(), run.toString());
    assertTrue(run.out().contains("refused          " + looped.getId() + "  loop guard: replayed 3 times already (--max-replays 3)"),
        run.toString());
    assertTrue(run.out().contains("refused          unreadable-"), run.toString());
    assertTrue(run.out().contains("Dry run: would replay 1, skip 0 already replayed, refuse 2; 1 left for a later run (--max)."),
        run.toString());
  }

  @Test
  void replayAsJsonListsEveryDecision() {
    JsonNode report = readJson(dlq.dlq("replay", "--tenant", "acme,initech", "-o", "json"));

    assertTrue(report.get("dry_run").asBoolean());
    assertEquals(3, report.get("summary").get("would_replay").asInt());
    assertEquals(1, report.get("summary").get("refused").asInt());
    assertEquals(4, report.get("records").size());
    assertEquals("would_replay", report.get("records").get(0).get("status").asText());
    assertEquals(1, report.get("records").get(0).get("replay_count").asInt());
  }

  @Test
  void replayingToATopicThatDoesNotExistExitsOneAndPublishesNothing() {
    CliRun run = dlq.dlq("replay", "--tenant", "globex", "--to-topic", "no-such-topic", "--execute");

    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains("target topic no-such-topic does not exist; nothing was replayed"), run.toString());
    assertTrue(run.out().contains("Replayed 0, skipped 0 already replayed, refused 0, failed 0; 1 left for a later run."),
        run.toString());
  }

  @Test
  void aPrefixWithoutTopicsExitsOneWithAHint() {
    CliRun run = DlqTestSupport.CliRun.run("list", "--bootstrap-server", dlq.bootstrap, "--topic-prefix", "nothing-here.");

    assertEquals(1, run.exitCode(), run.toString());
    assertEquals("error: topic nothing-here.dlq does not exist: run `fabric topics apply` first, or check --topic-prefix",
        run.err().strip());
  }

  @Test
  void anExecutedReplayUnderAMistypedPrefixCreatesNothing() throws Exception {
    CliRun run = DlqTestSupport.CliRun.run("replay", "--execute", "--bootstrap-server", dlq.bootstrap,
        "--topic-prefix", "typo.");

    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains("topic typo.dlq does not exist"), run.toString());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", dlq.bootstrap))) {
      assertFalse(admin.listTopics().names().get().contains("typo.dlq.replays"));
    }
  }

  @Test
  void jsonTimesAreUtcInstants() {
    JsonNode all = readJson(dlq.dlq("list", "-o", "json", "--by-duration", "PT1H", "--tenant", "acme"));

    Instant at = Instant.parse(all.get(0).get("at").asText());
    assertEquals(recent.getAt(), at.toEpochMilli());
    assertTrue(at.isAfter(Instant.now().minus(1, ChronoUnit.HOURS)));
  }
}
