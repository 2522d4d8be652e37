package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.policy.approvals.CanonicalPayload;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an approver sees and signs: {@code fabric approvals list|show} print the payload a token
 * would bind to, and {@code fabric approve --payload-sha256} refuses to sign any other payload.
 * The pending entries are written straight to the topics the gate writes, so each test controls
 * exactly what the approval center finds there (including two entries for one request id).
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class ApprovalsCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  static Path dir;

  private static String prefix;
  private static TopicCatalog catalog;
  private static KafkaConnection kafka;

  @BeforeAll
  static void topicsAndKeys() {
    prefix = EmbeddedKafkaExtension.uniqueName("approvals") + ".";
    kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    catalog = TopicCatalog.create(prefix, 3, List.of());
    CliRun topics = cli("topics", "apply");
    assertEquals(0, topics.exitCode(), topics.toString());
    CliRun keys = CliRun.of("keys", "generate", "--approver", "alice", "--out", dir.resolve("keys").toString());
    assertEquals(0, keys.exitCode(), keys.toString());
  }

  @Test
  void listPrintsEachPendingPayloadTruncatedInTextAndWholeInJson() throws Exception {
    String text = "x".repeat(300);
    TaskRequest request = request("list-tenant", "send_whatsapp", "{\"to\":\"+15550100\",\"text\":\"" + text + "\"}");
    pend(request);

    CliRun list = cli("approvals", "list", "--tenant", "list-tenant");
    assertEquals(0, list.exitCode(), list.toString());
    assertTrue(list.out().contains("{\"text\":\"xxxx"), "canonical payload (sorted keys) shown: " + list);
    assertTrue(list.out().contains("…"), "a long payload is truncated: " + list);
    assertFalse(list.out().contains(text), "not printed whole in text mode: " + list);
    assertTrue(list.out().contains("fabric approvals show ID"), "says where the whole payload is: " + list);

    CliRun json = cli("approvals", "list", "--tenant", "list-tenant", "-o", "json");
    assertEquals(0, json.exitCode(), json.toString());
    JsonNode row = JSON.readTree(json.out()).get(0);
    assertEquals(request.getRequestId(), row.get("request_id").asText());
    assertEquals(CanonicalPayload.of(request.getPayload()).json(), row.get("payload").asText());
    assertEquals(CanonicalPayload.sha256Of(request.getPayload()), row.get("payload_sha256").asText());
  }

  @Test
  void showPrintsEverythingAnApproverNeeds() throws Exception {
    TaskRequest request = request("acme", "send_whatsapp", "{\"to\":\"+15550100\", \"text\":\"hi\"}");
    pend(request);
    String sha = CanonicalPayload.sha256Of(request.getPayload());

    CliRun show = cli("approvals", "show", request.getRequestId());
    assertEquals(0, show.exitCode(), show.toString());
    for (String expected : new String[] {request.getRequestId(), "acme", request.getFlowId(), "send_whatsapp", "B (rule default:class-b",
        "default:class-b", "policy-v1", "{\"text\":\"hi\",\"to\":\"+15550100\"}", sha, "upstream-crm", "0/1", "deadline"}) {
      assertTrue(show.out().contains(expected), expected + " missing from\n" + show);
    }

    CliRun json = cli("approvals", "show", request.getRequestId(), "-o", "json");
    assertEquals(0, json.exitCode(), json.toString());
    JsonNode shown = JSON.readTree(json.out());
    assertEquals("acme", shown.get("tenant_id").asText());
    assertEquals(request.getFlowId(), shown.get("flow_id").asText());
    assertEquals("send_whatsapp", shown.get("action").asText());
    assertEquals("B", shown.get("class").asText());
    assertEquals("default:class-b", shown.get("rule").asText());
    assertEquals("policy-v1", shown.get("policy_version").asText());
    assertEquals("{\"text\":\"hi\",\"to\":\"+15550100\"}", shown.get("payload").asText());
    assertEquals(sha, shown.get("payload_sha256").asText());
    assertEquals("upstream-crm", shown.get("submitter").asText());
    for (String field : new String[] {"submitted_at", "age", "deadline", "approvers", "approvals", "approvals_needed"}) {
      assertTrue(shown.has(field), field + " missing from\n" + json);
    }
    assertEquals(1, shown.get("approvals_needed").asInt());
  }

  @Test
  void showOfAnUnknownRequestFailsWithOneLine() {
    CliRun show = cli("approvals", "show", "no-such-request");
    assertEquals(1, show.exitCode(), show.toString());
    assertTrue(show.err().startsWith("error: ") && show.err().strip().lines().count() == 1, show.toString());
    assertTrue(show.err().contains("no-such-request"), show.toString());
  }

  @Test
  void approveWithAnotherPayloadDigestRefusesAndPublishesNothing() {
    TaskRequest request = request("acme", "create_charge", "{\"amount\":4200,\"currency\":\"eur\"}");
    pend(request);
    String seen = CanonicalPayload.sha256Of("{\"amount\":42,\"currency\":\"eur\"}");

    CliRun approve = cli("approve", request.getRequestId(), "--key", key(), "--payload-sha256", seen);
    assertEquals(1, approve.exitCode(), approve.toString());
    assertTrue(approve.err().contains(seen) && approve.err().contains(CanonicalPayload.sha256Of(request.getPayload())),
        "names both digests: " + approve);
    assertEquals(1, approve.err().strip().lines().count(), approve.toString());
    assertTrue(tokensFor(request).isEmpty(), "nothing was signed or published");

    CliRun reject = cli("reject", request.getRequestId(), "--key", key(), "--reason", "no", "--payload-sha256", seen);
    assertEquals(1, reject.exitCode(), reject.toString());
    assertTrue(tokensFor(request).isEmpty(), "nothing was signed or published");
  }

  @Test
  void approveWithTheDigestItWasShownSignsThatPayloadAndPrintsIt() throws Exception {
    TaskRequest request = request("acme", "create_charge", "{\"currency\":\"eur\",\"amount\":1200}");
    pend(request);
    String sha = JSON.readTree(cli("approvals", "show", request.getRequestId(), "-o", "json").out()).get("payload_sha256").asText();

    CliRun approve = cli("approve", request.getRequestId(), "--key", key(), "--payload-sha256", sha.toUpperCase(java.util.Locale.ROOT));
    assertEquals(0, approve.exitCode(), approve.toString());
    assertTrue(approve.out().contains("{\"amount\":1200,\"currency\":\"eur\"}") && approve.out().contains(sha),
        "prints the payload it signs and its digest: " + approve);
    List<ApprovalToken> tokens = tokensFor(request);
    assertEquals(1, tokens.size(), tokens.toString());
    assertEquals(sha, tokens.get(0).getPayloadSha256());
    assertEquals("APPROVE", tokens.get(0).getDecision());
  }

  @Test
  void twoDifferentPendingEntriesForOneRequestIdAreRefusedAsAmbiguous() {
    TaskRequest original = request("acme", "create_charge", "{\"amount\":100,\"currency\":\"eur\"}");
    pend(original);
    TaskRequest swapped = TaskRequest.newBuilder(original).setFlowId("attacker-flow-" + UUID.randomUUID())
        .setPayload("{\"amount\":999999,\"currency\":\"eur\"}").build();
    pend(swapped);

    CliRun show = cli("approvals", "show", original.getRequestId());
    assertEquals(1, show.exitCode(), show.toString());
    assertTrue(show.err().contains("ambiguous") && show.err().strip().lines().count() == 1, show.toString());

    CliRun approve = cli("approve", original.getRequestId(), "--key", key());
    assertEquals(1, approve.exitCode(), approve.toString());
    assertTrue(approve.err().contains("ambiguous"), approve.toString());
    assertTrue(tokensFor(original).isEmpty() && tokensFor(swapped).isEmpty(), "nothing was signed or published");

    CliRun list = cli("approvals", "list", "-o", "json");
    assertTrue(list.out().contains("\"ambiguous\" : true"), "the list flags it too: " + list);
  }

  @Test
  void aLegitimateUpdateOfAPendingEntryIsNotAmbiguous() {
    TaskRequest request = request("acme", "send_whatsapp", "{\"to\":\"+15550100\",\"text\":\"hi\"}");
    pend(request);
    pend(request);

    CliRun show = cli("approvals", "show", request.getRequestId());
    assertEquals(0, show.exitCode(), show.toString());
  }

  private static TaskRequest request(String tenant, String action, String payload) {
    String id = UUID.randomUUID().toString();
    return TaskRequest.newBuilder().setRequestId(id).setTenantId(tenant).setFlowId("flow-" + id).setAction(action)
        .setPayload(payload).setIdempotencyKey(id).setSubmittedAt(System.currentTimeMillis() - 5_000).setSource("upstream-crm").build();
  }

  /** What the gate writes for a class-B request: the pending entry (keyed by flow) and the PENDING_APPROVAL status. */
  private static void pend(TaskRequest request) {
    long now = System.currentTimeMillis();
    PolicyDecision decision = PolicyDecision.newBuilder().setActionClass("B").setRule("default:class-b").setPolicyVersion("policy-v1")
        .setDecidedAt(now).build();
    PendingApproval pending = PendingApproval.newBuilder().setRequest(request).setDecision(decision).setPendingSince(now)
        .setDeadline(now + 3_600_000).setApprovalsNeeded(1).setApprovals(List.of()).setSlaWarned(false).build();
    RequestStatus status = RequestStatus.newBuilder().setRequestId(request.getRequestId()).setTenantId(request.getTenantId())
        .setFlowId(request.getFlowId()).setAction(request.getAction()).setActionClass("B").setOutcome(Outcome.PENDING_APPROVAL.name())
        .setRule("default:class-b").setPolicyVersion("policy-v1").setUpdatedAt(now).build();
    send(catalog.approvalPending, request.getFlowId(), pending);
    send(catalog.requestStatus, request.getRequestId(), status);
  }

  private static <V> void send(TopicSpec<String, V> topic, String key, V value) {
    Map<String, Object> config = kafka.clientConfig();
    try (KafkaProducer<String, V> producer = new KafkaProducer<>(config, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<ApprovalToken> tokensFor(TaskRequest request) {
    return LatestByKeyReader.everything(kafka, catalog.approvals).stream()
        .filter(t -> t.getRequestId().equals(request.getRequestId())).toList();
  }

  private static String key() {
    return dir.resolve("keys/alice.key").toString();
  }

  static CliRun cli(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix));
    return CliRun.of(all.toArray(String[]::new));
  }
}
