package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyPublisher;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.policy.NoApproverRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyApp;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.streams.StreamsApp;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** {@code fabric policy publish}: only a policy that passes check reaches the policy topic. */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class PolicyPublishCommandTest {
  @TempDir
  Path dir;

  private final String prefix = EmbeddedKafkaExtension.uniqueName("publish") + ".";
  private final TopicCatalog catalog = TopicCatalog.create(prefix, 3, List.of());
  private final KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());

  private CliRun publish(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("policy", "publish"));
    all.addAll(List.of(args));
    all.addAll(List.of("--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix));
    return CliRun.of(all.toArray(String[]::new));
  }

  @Test
  void aPolicyThatFailsCheckIsRefusedAndNothingIsPublished() throws Exception {
    TopicsApplier.apply(kafka, catalog);
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "classes:\n  A: [exfiltrate_secrets]\n");

    CliRun run = publish(bad.toString());

    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().startsWith("policy file " + bad + ":2: classes.A would loosen 'exfiltrate_secrets'"), run.toString());
    assertTrue(run.err().contains("refused: " + bad + " does not pass `fabric policy check`; nothing published"), run.toString());
    assertEquals(Optional.empty(), PolicyPublisher.current(kafka, catalog));
  }

  @Test
  void aGoodPolicyIsPublishedAndTheNextPublishShowsWhatItReplaces() throws Exception {
    TopicsApplier.apply(kafka, catalog);
    Path first = Files.writeString(dir.resolve("v1.yaml"), "version: v1\nclasses:\n  B: [summarize]\n");
    Path second = Files.writeString(dir.resolve("v2.yaml"), "version: v2\nclasses:\n  C: [summarize]\n");

    CliRun dry = publish(first.toString(), "--dry-run");
    assertEquals(0, dry.exitCode(), dry.toString());
    assertTrue(dry.out().startsWith("dry run: would publish policy " + PolicyFile.load(first).version()), dry.toString());
    assertEquals(Optional.empty(), PolicyPublisher.current(kafka, catalog), "a dry run publishes nothing");

    CliRun one = publish(first.toString());
    assertEquals(0, one.exitCode(), one.toString());
    assertTrue(one.out().contains("replacing nothing published yet"), one.toString());
    assertEquals(Optional.of(Files.readString(first)), PolicyPublisher.current(kafka, catalog));

    CliRun two = publish(second.toString());
    assertEquals(0, two.exitCode(), two.toString());
    assertTrue(two.out().contains("replacing policy " + PolicyFile.load(first).version()), two.toString());
    assertTrue(two.out().contains("summarize") && two.out().contains("B -> C"), two.toString());
    assertEquals(Optional.of(Files.readString(second)), PolicyPublisher.current(kafka, catalog));
  }

  @Test
  void aShadowRunReportsExactlyTheRequestsWhoseOutcomeWouldDifferAndActsOnNone(@TempDir Path stateDir) throws Exception {
    // Given a running gate with the seed policy and a shadow that makes summarize class B and send_email class C
    TopicsApplier.apply(kafka, catalog);
    Path candidate = Files.writeString(dir.resolve("candidate.yaml"), "classes:\n  B: [summarize]\n  C: [send_email]\n");
    try (StreamsApp app = PolicyApp.create(kafka, catalog, Policy.defaults(), new NoApproverRegistry(), stateDir, Map.of())
             .startAndAwait(Duration.ofSeconds(60));
         FabricClient client = new FabricClient(kafka, catalog)) {
      CliRun shadow = publish(candidate.toString(), "--shadow");
      assertEquals(0, shadow.exitCode(), shadow.toString());
      assertTrue(shadow.out().startsWith("published shadow policy "), shadow.toString());

      // When requests arrive (the shadow store catches up asynchronously: probe with summaries until one is reported)
      List<String> probes = new ArrayList<>();
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        String probe = client.submit(Submission.of("acme", "summarize").payload("{}")).getRequestId();
        probes.add(probe);
        await().atMost(Duration.ofSeconds(30)).until(() -> LatestByKeyReader.latest(kafka, catalog.requestStatus, probe).isPresent());
        return reported().contains(probe);
      });
      List<String> same = new ArrayList<>();
      List<String> emails = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        same.add(client.submit(Submission.of("acme", "classify").payload("{}")).getRequestId());
        emails.add(client.submit(Submission.of("acme", "send_email").payload("{}")).getRequestId());
      }
      for (String id : same) {
        await().atMost(Duration.ofSeconds(60)).until(() -> LatestByKeyReader.latest(kafka, catalog.requestStatus, id).isPresent());
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> reported().containsAll(emails));

      // Then the report lists the requests whose outcome differs (every send_email, the summaries once the shadow was loaded) and nothing else
      List<String> reported = reported();
      List<String> expected = new ArrayList<>(probes.stream().filter(reported::contains).toList());
      expected.addAll(emails);
      assertEquals(new java.util.TreeSet<>(expected), new java.util.TreeSet<>(reported));
      assertEquals(reported.size(), new java.util.HashSet<>(reported).size(), "each request reported once: " + reported);
      // and the active policy acted on all of them: summaries and classifies routed, emails waiting, nothing blocked
      assertTrue(LatestByKeyReader.everything(kafka, catalog.blocked).isEmpty(), "the shadow blocks nothing");
      for (String id : emails) {
        assertEquals("PENDING_APPROVAL", LatestByKeyReader.latest(kafka, catalog.requestStatus, id).orElseThrow().getOutcome());
      }

      CliRun stop = CliRun.of("policy", "shadow-stop", "--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix);
      assertEquals(0, stop.exitCode(), stop.toString());
      assertEquals(Optional.empty(), PolicyPublisher.current(kafka, catalog, io.fabric.policy.PublishedPolicy.SHADOW_KEY));
    }
  }

  private List<String> reported() throws Exception {
    CliRun report = CliRun.of("policy", "shadow-report", "--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(),
        "--topic-prefix", prefix, "-o", "json");
    assertEquals(0, report.exitCode(), report.toString());
    List<String> ids = new ArrayList<>();
    new com.fasterxml.jackson.databind.ObjectMapper().readTree(report.out()).forEach(row -> ids.add(row.get("request_id").asText()));
    return ids;
  }
}
