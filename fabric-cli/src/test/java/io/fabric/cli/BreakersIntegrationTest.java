package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyApp;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyPublisher;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.breakers.BreakerRecords;
import io.fabric.policy.breakers.BreakerReset;
import io.fabric.policy.breakers.BreakerScopes;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Breakers and escalation on a real broker: one submitter's class-C attempts pause it and not another,
 * only a signed reset lifts it; a pending request notifies its first group, the second at the SLA
 * warning, each once across a restart, and expires fail-closed.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class BreakersIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  private final String prefix = EmbeddedKafkaExtension.uniqueName("breakers") + ".";
  private final TopicCatalog catalog = TopicCatalog.create(prefix, 3, List.of());
  private final KafkaConnection kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());

  private CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix));
    return CliRun.of(all.toArray(String[]::new));
  }

  private static TaskRequest send(FabricClient client, String submitter, String action) throws Exception {
    TaskRequest request = Submission.of("acme", action).payload("{\"text\":\"hi\"}").toRequest(System.currentTimeMillis());
    request.setSubmitter(submitter);
    return client.send(request).get();
  }

  private Optional<RequestStatus> status(TaskRequest request) {
    return LatestByKeyReader.latest(kafka, catalog.requestStatus, request.getRequestId());
  }

  private JsonNode list(Path approvers) throws Exception {
    CliRun run = cli("breakers", "list", "--approvers", approvers.toString(), "-o", "json");
    assertEquals(0, run.exitCode(), run.toString());
    return JSON.readTree(run.out());
  }

  @Test
  void classCAttemptsPauseOneSubmitterAForgedResetLiftsNothingAndTheCliResetReleasesItsHeldRequest(@TempDir Path stateDir) throws Exception {
    // Given a gate whose policy pauses a submitter after 3 class-C attempts in 10 minutes, and an operator who may reset breakers
    TopicsApplier.apply(kafka, catalog);
    ApproverKeys.KeyFiles ops = ApproverKeys.generate("ops", dir.resolve("keys"));
    Path approvers = Files.writeString(dir.resolve("approvers.yaml"), "approvers:\n  ops: { public_key_file: " + ops.publicKeyFile()
        + ", actions: [fabric.breakers.reset], tenants: [\"*\"] }\n");
    var policy = PolicyFile.parse("breakers:\n  c-attempts: { per: submitter, measure: class_c_attempts, threshold: 3, window: PT10M }\n");
    try (StreamsApp app = PolicyApp.create(kafka, catalog, policy, new SignedTokenVerifier(ApproverRegistry.load(approvers)), stateDir, Map.of())
             .startAndAwait(Duration.ofSeconds(60));
         FabricClient client = new FabricClient(kafka, catalog)) {
      // When one submitter tries a forbidden action three times, under three request ids
      for (int i = 0; i < 3; i++) {
        send(client, "bot", "exfiltrate_secrets");
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> list(approvers).size() == 1);
      JsonNode tripped = list(approvers).get(0);
      assertEquals("submitter:bot", tripped.get("scope").asText());
      assertEquals("TRIPPED", tripped.get("state").asText());

      // Then its next class-A request is held PAUSED while another submitter's runs
      TaskRequest held = send(client, "bot", "summarize");
      TaskRequest other = send(client, "helper", "summarize");
      await().atMost(Duration.ofSeconds(60)).until(() -> status(other).map(s -> s.getOutcome().equals("ROUTED")).orElse(false));
      await().atMost(Duration.ofSeconds(60)).until(() -> status(held).isPresent());
      assertEquals("HELD", status(held).orElseThrow().getOutcome());
      assertEquals("PAUSED", status(held).orElseThrow().getReason());

      // A reset written by a raw producer, unsigned, lifts nothing
      String tripId = tripped.get("trip_id").asText();
      BreakerReset forged = new BreakerReset("submitter:bot", tripId, "ops", "let me through", System.currentTimeMillis(), "AAAA");
      PolicyPublisher.writeText(kafka, catalog.breakers, BreakerScopes.resetKey("submitter:bot"), BreakerRecords.encode(forged));
      PolicyPublisher.writeText(kafka, catalog.breakers, "submitter:bot", "{\"type\":\"RESET\"}");
      // (atMost well above the hold: each check reads the status topic with a new consumer, slow on a loaded machine)
      await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(30))
          .until(() -> status(held).map(s -> s.getOutcome().equals("HELD")).orElse(false));
      assertEquals("TRIPPED", list(approvers).get(0).get("state").asText());
      CliRun unverified = cli("breakers", "list");
      assertTrue(unverified.out().contains("reset by ops (signature not checked here)") && unverified.out().contains("1 tripped breaker(s)"),
          unverified.toString());

      // The operator's signed reset lifts it: the held request is judged again and runs
      CliRun reset = cli("breakers", "reset", "bot", "--key", ops.privateKeyFile().toString(), "--reason", "agent fixed");
      assertEquals(0, reset.exitCode(), reset.toString());
      assertTrue(reset.out().contains("reset of submitter:bot (trip " + tripId + ") signed by ops"), reset.toString());
      await().atMost(Duration.ofSeconds(60)).until(() -> status(held).map(s -> s.getOutcome().equals("ROUTED")).orElse(false));
      assertEquals(0, list(approvers).size());
      CliRun again = cli("breakers", "reset", "bot", "--key", ops.privateKeyFile().toString(), "--reason", "twice",
          "--approvers", approvers.toString());
      assertEquals(1, again.exitCode(), again.toString());
      assertTrue(again.err().contains("no tripped breaker for bot"), again.toString());
    }
  }

  @Test
  void anEscalationNotifiesTheSecondGroupAtTheWarningOnceAcrossARestartAndTheRequestExpires(@TempDir Path stateDir) throws Exception {
    TopicsApplier.apply(kafka, catalog);
    var policy = PolicyFile.parse("""
        approvals: { default_deadline: PT12S, sla_warning_fraction: 0.5 }
        approver_groups:
          finance: { notify: [ { plugin: email, to: finance@acme.test } ] }
          cfo: { notify: [ { plugin: email, to: cfo@acme.test } ] }
        escalation: { default: [finance, cfo] }
        """);
    TaskRequest request;
    try (StreamsApp app = PolicyApp.create(kafka, catalog, policy, new io.fabric.policy.NoApproverRegistry(), stateDir, Map.of())
             .startAndAwait(Duration.ofSeconds(60));
         FabricClient client = new FabricClient(kafka, catalog)) {
      request = client.submit(Submission.of("acme", "send_whatsapp").payload("{\"to\":\"+15550100\",\"text\":\"hi\"}"));
      await().atMost(Duration.ofSeconds(30)).until(() -> notices(request).size() == 1);
      assertTrue(notices(request).get(0).contains("finance@acme.test"));
      // the warning (at 6 s) notifies the next group
      await().atMost(Duration.ofSeconds(30)).until(() -> notices(request).size() == 2);
      // each notice is its own flow, so the routed topic's partitions do not keep their order: the first is still finance's
      assertEquals(1, notices(request).stream().filter(n -> n.contains("cfo@acme.test")).count(), notices(request).toString());
    }
    // a restart on the same state: no step is notified again, and the deadline expires the request, fail closed
    try (StreamsApp app = PolicyApp.create(kafka, catalog, policy, new io.fabric.policy.NoApproverRegistry(), stateDir, Map.of())
             .startAndAwait(Duration.ofSeconds(60))) {
      await().atMost(Duration.ofSeconds(30)).until(() -> status(request).map(s -> s.getReason() != null
          && s.getReason().equals("APPROVAL_EXPIRED")).orElse(false));
      assertEquals(2, notices(request).size(), "each step notified exactly once: " + notices(request));
    }
  }

  /** The payloads of the escalation notices routed for {@code request}, in order; the keys are distinct per step and target. */
  private List<String> notices(TaskRequest request) {
    List<String> payloads = new ArrayList<>();
    java.util.Set<String> keys = new java.util.HashSet<>();
    for (var task : LatestByKeyReader.everything(kafka, catalog.routed)) {
      String about = task.getRequest().getAttributes().get(io.fabric.policy.escalation.ApprovalNotices.ATTRIBUTE);
      if (about != null && about.startsWith(request.getRequestId() + ":")) {
        payloads.add(task.getRequest().getPayload());
        keys.add(task.getRequest().getIdempotencyKey());
      }
    }
    assertEquals(payloads.size(), keys.size(), "a notice key written twice");
    return payloads;
  }
}
