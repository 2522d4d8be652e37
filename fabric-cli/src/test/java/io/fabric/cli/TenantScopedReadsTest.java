package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's reads restricted to tenants: {@code --tenant} and {@code --as NAME} (a submitter's or an
 * approver's tenants) hide other tenants' rows from lists and answer another tenant's id like an
 * unknown one, in one line with exit 1. Records are written straight to the topics the apps write.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class TenantScopedReadsTest {
  @TempDir
  static Path dir;

  private static String prefix;
  private static TopicCatalog catalog;
  private static KafkaConnection kafka;
  private static TaskRequest acme;
  private static TaskRequest globex;
  private static String submitters;
  private static String approvers;

  @BeforeAll
  static void twoTenants() throws Exception {
    prefix = EmbeddedKafkaExtension.uniqueName("scoped") + ".";
    kafka = KafkaConnection.of(EmbeddedKafkaExtension.bootstrapServers());
    catalog = TopicCatalog.create(prefix, 3, List.of());
    CliRun topics = cli("topics", "apply");
    assertEquals(0, topics.exitCode(), topics.toString());
    acme = request("acme");
    globex = request("globex");
    for (TaskRequest request : List.of(acme, globex)) {
      pend(request);
      send(catalog.flowState, request.getFlowId(), FlowCheckpoint.newBuilder().setFlowId(request.getFlowId()).setTenantId(request.getTenantId())
          .setRevisionId(UUID.randomUUID().toString()).setAt("2026-12-01T05:00:00Z").setNote("step 1").setStatus("RUNNING").setState("{}")
          .setSubmitter(request.getSubmitter()).build());
    }
    ApproverKeys.generate("acme-agent", dir);
    ApproverKeys.generate("alice", dir);
    Files.writeString(dir.resolve("submitters.yaml"),
        "submitters:\n  acme-agent: { public_key_file: acme-agent.pub, actions: [\"*\"], tenants: [acme] }\n");
    Files.writeString(dir.resolve("approvers.yaml"),
        "approvers:\n  alice: { public_key_file: alice.pub, actions: [\"*\"], tenants: [globex] }\n");
    submitters = dir.resolve("submitters.yaml").toString();
    approvers = dir.resolve("approvers.yaml").toString();
  }

  @Test
  void statusAnswersOnlyForTheTenantsInScope() {
    CliRun own = cli("status", acme.getRequestId(), "--as", "acme-agent", "--submitters", submitters);
    assertEquals(0, own.exitCode(), own.toString());
    assertTrue(own.out().contains("tenant=acme"), own.toString());

    for (CliRun other : List.of(cli("status", globex.getRequestId(), "--as", "acme-agent", "--submitters", submitters),
        cli("status", globex.getRequestId(), "--tenant", "acme"))) {
      assertEquals(1, other.exitCode(), other.toString());
      assertEquals("error: no status for request " + globex.getRequestId() + " for tenant(s) acme", other.err().strip());
      assertEquals("", other.out());
    }
    assertEquals(0, cli("status", globex.getRequestId(), "--tenant", "acme", "--tenant", "globex").exitCode());
  }

  @Test
  void flowsShowAnswersOnlyForTheTenantsInScopeAndNamesTheSubmitter() {
    CliRun own = cli("flows", "show", acme.getFlowId(), "--tenant", "acme");
    assertEquals(0, own.exitCode(), own.toString());
    assertTrue(own.out().contains("tenant=acme submitter=acme-agent"), own.toString());

    CliRun other = cli("flows", "show", globex.getFlowId(), "--as", "acme-agent", "--submitters", submitters);
    assertEquals(1, other.exitCode(), other.toString());
    assertEquals("error: no checkpoint for flow " + globex.getFlowId() + " for tenant(s) acme yet", other.err().strip());
  }

  @Test
  void approvalsListAndShowHideOtherTenantsRequestsFromASubmitterOrAnApprover() {
    CliRun agent = cli("approvals", "list", "--as", "acme-agent", "--submitters", submitters);
    assertEquals(0, agent.exitCode(), agent.toString());
    assertTrue(agent.out().contains(acme.getRequestId()) && !agent.out().contains(globex.getRequestId()), agent.toString());

    CliRun approver = cli("approvals", "list", "--as", "alice", "--approvers", approvers);
    assertEquals(0, approver.exitCode(), approver.toString());
    assertTrue(approver.out().contains(globex.getRequestId()) && !approver.out().contains(acme.getRequestId()), approver.toString());

    CliRun shown = cli("approvals", "show", globex.getRequestId(), "--as", "alice", "--approvers", approvers);
    assertEquals(0, shown.exitCode(), shown.toString());
    CliRun hidden = cli("approvals", "show", acme.getRequestId(), "--as", "alice", "--approvers", approvers);
    assertEquals(1, hidden.exitCode(), hidden.toString());
    assertEquals("error: no request " + acme.getRequestId() + " is known for tenant(s) globex", hidden.err().strip());

    CliRun everyone = cli("approvals", "list");
    assertTrue(everyone.out().contains(globex.getRequestId()) && everyone.out().contains(acme.getRequestId()), everyone.toString());
  }

  @Test
  void aScopeThatCannotBeResolvedIsRefusedInOneLine() {
    CliRun outside = cli("approvals", "list", "--as", "acme-agent", "--submitters", submitters, "--tenant", "globex");
    assertEquals(1, outside.exitCode(), outside.toString());
    assertEquals("error: --tenant globex is outside the tenants of acme-agent (acme)", outside.err().strip());

    CliRun noRegistry = cli("status", acme.getRequestId(), "--as", "acme-agent");
    assertEquals(1, noRegistry.exitCode(), noRegistry.toString());
    assertFalse(noRegistry.err().strip().contains("\n"), noRegistry.toString());
    assertTrue(noRegistry.err().contains("needs the registry"), noRegistry.toString());
  }

  private static TaskRequest request(String tenant) {
    String id = UUID.randomUUID().toString();
    return TaskRequest.newBuilder().setRequestId(id).setTenantId(tenant).setFlowId("flow-" + id).setAction("send_whatsapp")
        .setPayload("{\"to\":\"+15550100\"}").setIdempotencyKey(id).setSubmittedAt(System.currentTimeMillis()).setSource("test")
        .setSubmitter(tenant + "-agent").build();
  }

  private static void pend(TaskRequest request) {
    long now = System.currentTimeMillis();
    PolicyDecision decision = PolicyDecision.newBuilder().setActionClass("B").setRule("default:class-b").setPolicyVersion("policy-v1")
        .setDecidedAt(now).build();
    send(catalog.approvalPending, request.getFlowId(), PendingApproval.newBuilder().setRequest(request).setDecision(decision)
        .setPendingSince(now).setDeadline(now + 3_600_000).setApprovalsNeeded(1).setApprovals(List.of()).setSlaWarned(false).build());
    send(catalog.requestStatus, request.getRequestId(), RequestStatus.newBuilder().setRequestId(request.getRequestId())
        .setTenantId(request.getTenantId()).setFlowId(request.getFlowId()).setAction(request.getAction()).setActionClass("B")
        .setOutcome(Outcome.PENDING_APPROVAL.name()).setUpdatedAt(now).setSubmitter(request.getSubmitter()).build());
  }

  private static <V> void send(TopicSpec<String, V> topic, String key, V value) {
    try (KafkaProducer<String, V> producer = new KafkaProducer<>(kafka.clientConfig(), topic.keySerde().serializer(),
        topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static CliRun cli(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--bootstrap-server", EmbeddedKafkaExtension.bootstrapServers(), "--topic-prefix", prefix));
    return CliRun.of(all.toArray(String[]::new));
  }
}
