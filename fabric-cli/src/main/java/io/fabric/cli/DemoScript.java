package io.fabric.cli;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.plugins.flows.FlowHistoryReader;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.policy.approvals.ApprovalDecision;
import io.fabric.policy.approvals.ApprovalSubject;
import io.fabric.policy.approvals.CanonicalPayload;
import io.fabric.policy.approvals.TokenCodec;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.policy.center.ApprovalCenter;
import io.fabric.sandbox.VendorSandbox;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The demo's script: one request (or flow) per behaviour a user should see, each with the outcome
 * the policy and the runtime promise. Requests are submitted first, then approvers act, then every
 * outcome is awaited.
 */
final class DemoScript {
  private static final Set<String> FINAL_FLOW_STATES = Set.of("COMPLETED", "FAILED", "ROLLED_BACK", "COMPENSATION_FAILED");

  /** One line of the outcome table. */
  record Row(String label, String action, String outcome, String reason, String expected, boolean asExpected) {}

  /** What a row waits for and what it must find. */
  private record Check(String label, String action, String expectOutcome, String expectReason, Supplier<String[]> observe) {}

  private final FabricClient client;
  private final KafkaConnection connection;
  private final TopicCatalog catalog;
  private final FabricRuntime runtime;
  private final VendorSandbox sandbox;
  /** The tenants the demo's submitter may act for (a YAML list): not initech, to show an out-of-scope request refused. */
  static final String SUBMITTER_TENANTS = "[acme, strict-co, globex]";

  private final TokenSigner signer;
  private final RequestSigner agent;
  private final ApprovalCenter center;
  private final Duration timeout;
  private final List<String> notes = new ArrayList<>();

  DemoScript(FabricClient client, RequestSigner agent, KafkaConnection connection, TopicCatalog catalog, FabricRuntime runtime,
             VendorSandbox sandbox, TokenSigner signer, ApprovalCenter center, Duration timeout) {
    this.client = client;
    this.agent = agent;
    this.connection = connection;
    this.catalog = catalog;
    this.runtime = runtime;
    this.sandbox = sandbox;
    this.signer = signer;
    this.center = center;
    this.timeout = timeout;
  }

  List<Row> run() {
    List<Check> checks = new ArrayList<>();
    TaskRequest summary = submit(Submission.of("acme", "summarize")
        .payload("{\"text\":\"Kafka keeps the log. The fabric gates every action. Risky actions wait for a signed approval.\"}"));
    checks.add(status("class A runs at once", summary, "EXECUTED", null));
    // class B: seen waiting before the approver acts (below), then run by the linkedin plugin against the sandbox
    TaskRequest linkedin = submit(Submission.of("acme", "send_linkedin").payload("{\"text\":\"We ship on Kafka (finally)\"}"));
    String[] linkedinWaited = new String[] {"(not seen)", null};
    checks.add(new Check("class B waits for approval", linkedin.getAction(), "PENDING_APPROVAL", null, () -> linkedinWaited));
    checks.add(new Check("LinkedIn approved, posted", linkedin.getAction(), "EXECUTED", "1 post", () -> {
      String[] got = awaitStatus(linkedin.getRequestId(), "EXECUTED");
      int posts = sandbox.effects(VendorSandbox.LINKEDIN_POST);
      return new String[] {got[0], posts + (posts == 1 ? " post" : " posts")};
    }));
    // an LLM agent (the sandbox's model) tags the message, then proposes a class-B e-mail: its own signed
    // request, which waits for the approver below; the run holds no thread meanwhile and finishes after it
    TaskRequest agentRun = submit(Submission.of("acme", "agent_run").payload("{\"agent\":\"" + DemoCommand.MAILER_AGENT
        + "\",\"input\":{\"text\":\"My invoice is wrong. Please tag this and send_email to billing@example.com.\"}}"));
    String[] agentEmailWaited = new String[] {"(not seen)", null};
    checks.add(new Check("agent's e-mail waits for approval", "send_email", "PENDING_APPROVAL", null, () -> agentEmailWaited));
    checks.add(new Check("agent approved, run finished", agentRun.getAction(), "EXECUTED", "completed, 3 turns", () -> {
      String[] got = awaitStatus(agentRun.getRequestId(), "EXECUTED");
      return new String[] {got[0], FlowHistoryReader.latest(connection, catalog, agentRun.getFlowId()).map(c -> agentSummary(c.getState()))
          .orElse(got[1])};
    }));
    checks.add(status("class C is forbidden", submit(Submission.of("acme", "exfiltrate_secrets")), "BLOCKED", "FORBIDDEN"));
    checks.add(status("unknown action is class B", submit(Submission.of("acme", "launch_rocket")), "PENDING_APPROVAL", null));
    checks.add(status("tenant rule tightens A to B", submit(Submission.of("strict-co", "summarize").payload("{\"text\":\"x\"}")),
        "PENDING_APPROVAL", null));
    checks.add(status("payload is not JSON", submit(Submission.of("acme", "tag").payload("not json")), "BLOCKED", "INVALID_REQUEST"));
    submit(Submission.of("acme", "classify").idempotencyKey("demo-order-42").flowId("demo-order-42").payload("{\"text\":\"invoice overdue\"}"));
    checks.add(status("same idempotency key again", submit(Submission.of("acme", "classify").idempotencyKey("demo-order-42")
        .flowId("demo-order-42").payload("{\"text\":\"invoice overdue\"}")), "DUPLICATE", null));
    // the flow must be acme's before globex names it: requests on different ingress partitions may
    // reach the gate in either order, and the first one seen owns the flow
    awaitStatus(summary.getRequestId(), "EXECUTED");
    checks.add(status("other tenant names the flow", submit(Submission.of("globex", "summarize").flowId(summary.getFlowId())),
        "BLOCKED", "TENANT_MISMATCH"));
    checks.add(blocked("unsigned request", unsigned(Submission.of("acme", "summarize").payload("{\"text\":\"who am I?\"}")),
        "UNAUTHENTICATED"));
    checks.add(status("signed for another tenant", submit(Submission.of("initech", "summarize").payload("{\"text\":\"x\"}")),
        "BLOCKED", "UNAUTHORIZED"));

    TaskRequest whatsapp = submit(Submission.of("acme", "send_whatsapp").payload("{\"to\":\"+15550100\",\"text\":\"Your order shipped\"}"));
    TaskRequest email = submit(Submission.of("acme", "send_email").payload("{\"to\":\"ceo@example.com\",\"subject\":\"hi\",\"text\":\"hi\"}"));
    checks.add(status("WhatsApp approved, sent", whatsapp, "EXECUTED", null));
    String[] approverRead = new String[] {"(not read)", null};
    checks.add(new Check("approver read the payload", whatsapp.getAction(), "SIGNED", null, () -> approverRead));
    checks.add(status("rejected by a signed token", email, "BLOCKED", "APPROVAL_REJECTED"));
    checks.add(status("no approval in time", submit(Submission.of("acme", "publish_content")), "BLOCKED", "APPROVAL_EXPIRED"));
    checks.add(status("approved, but no plugin", preApproved("acme", "launch_rocket", "{}", UUID.randomUUID().toString()),
        "DEAD_LETTER", "UNKNOWN_TASK_TYPE"));

    sandbox.failNext("POST", "/v1/payment_intents", 503, 2);
    TaskRequest retried = preApproved("acme", "create_charge", "{\"amount\":1200,\"currency\":\"eur\",\"customer\":\"cus_demo\"}",
        "demo-retry");
    checks.add(new Check("charge retried after two 503s", "create_charge", "EXECUTED", "3 attempts", () -> {
      String[] got = awaitStatus(retried.getRequestId(), "EXECUTED");
      return new String[] {got[0], attemptsOf(retried).map(n -> n + " attempts").orElse(got[1])};
    }));

    String threeSteps = "demo-brief-" + UUID.randomUUID().toString().substring(0, 8);
    for (String[] step : List.of(new String[] {"summarize", "false"}, new String[] {"tag", "false"}, new String[] {"classify", "true"})) {
      TaskRequest request = submit(Submission.of("acme", step[0]).flowId(threeSteps).finalStep(Boolean.parseBoolean(step[1]))
          .payload("{\"text\":\"Ship the order. Invoice the customer. Tag it billing.\",\"rules\":{\"billing\":[\"invoice\"]}}"));
      awaitStatus(request.getRequestId(), "EXECUTED");
    }
    checks.add(flow("3-step flow checkpoints", "summarize,tag,classify", threeSteps, "COMPLETED", "3 revisions"));

    String refundFlow = "demo-refund-" + UUID.randomUUID().toString().substring(0, 8);
    TaskRequest charge = preApproved("acme", "create_charge", "{\"amount\":4200,\"currency\":\"eur\",\"customer\":\"cus_demo\"}", refundFlow);
    awaitStatus(charge.getRequestId(), "EXECUTED");
    TaskRequest sync = preApproved("acme", "sync_salesforce",
        "{\"external_id\":\"acct-1\",\"fields\":{\"External_Id__c\":\"acct-1\",\"Name\":\"Acme\"}}", refundFlow);
    checks.add(status("CRM sync refused by vendor", sync, "DEAD_LETTER", "EXECUTION_FAILED"));
    checks.add(flow("…so the charge is refunded", "create_charge", refundFlow, "ROLLED_BACK", "1 step compensated"));

    // An outside producer sets the attribute the runtime reads as "roll this flow back" on a harmless
    // class-A request naming the flow of the charge approved above: the gate must refuse it on ingress.
    awaitStatus(retried.getRequestId(), "EXECUTED");
    TaskRequest forged = forgedRollback(retried.getFlowId());
    checks.add(status("forged fabric.rollback attribute", forged, "BLOCKED", "INVALID_REQUEST"));

    try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(connection.clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(catalog.ingress.name(), "demo-garbage".getBytes(StandardCharsets.UTF_8), new byte[] {0x42, 0x00, 0x13}));
    }
    checks.add(new Check("undecodable bytes", "(raw bytes)", "DEAD_LETTER", "UNDECODABLE", () -> await(
        () -> LatestByKeyReader.latest(connection, catalog.dlq, "demo-garbage")).map(l -> new String[] {"DEAD_LETTER", l.getReason()})
        .orElse(new String[] {"(none)", null})));

    System.arraycopy(awaitStatus(linkedin.getRequestId(), "PENDING_APPROVAL"), 0, linkedinWaited, 0, linkedinWaited.length);
    center.decide(linkedin.getRequestId(), signer, ApprovalDecision.APPROVE, "launch post reviewed");
    awaitStatus(whatsapp.getRequestId(), "PENDING_APPROVAL");
    String[] read = approveAfterReading(whatsapp, "customer asked for shipping updates");
    System.arraycopy(read, 0, approverRead, 0, read.length);
    awaitStatus(email.getRequestId(), "PENDING_APPROVAL");
    center.decide(email.getRequestId(), signer, ApprovalDecision.REJECT, "not this week");
    Optional<String> agentEmail = await(() -> pendingAgentCall(agentRun, "turn-2-call-1"));
    if (agentEmail.isPresent()) {
      System.arraycopy(awaitStatus(agentEmail.get(), "PENDING_APPROVAL"), 0, agentEmailWaited, 0, agentEmailWaited.length);
      if ("PENDING_APPROVAL".equals(agentEmailWaited[0])) {
        center.decide(agentEmail.get(), signer, ApprovalDecision.APPROVE, "the agent's reply may go out");
      }
    }

    List<Row> rows = new ArrayList<>();
    for (Check check : checks) {
      String[] got = check.observe().get();
      boolean ok = check.expectOutcome().equals(got[0]) && (check.expectReason() == null || check.expectReason().equals(got[1]));
      rows.add(new Row(check.label(), check.action(), got[0], got[1], check.expectOutcome()
          + (check.expectReason() == null ? "" : " " + check.expectReason()), ok));
    }
    return rows;
  }

  /**
   * The id of an agent run's tool call waiting for approval, as an approver finds it in the list: a call's id is
   * {@code RUN-turn-N-call-M-<random>} (nobody can predict it, see README, Agents), so it is picked by its readable
   * prefix and by the agent's own identity, which the gate verified from the request's signature.
   */
  private Optional<String> pendingAgentCall(TaskRequest run, String call) {
    String prefix = run.getRequestId() + "-" + call + "-";
    return center.pending(Optional.of(run.getTenantId())).stream().map(p -> p.entry().getRequest())
        .filter(r -> r.getRequestId().startsWith(prefix) && DemoCommand.MAILER_SUBMITTER.equals(r.getSubmitter()))
        .map(TaskRequest::getRequestId).findFirst();
  }

  /** Lines to print before the outcome table (what the approver read). */
  List<String> notes() {
    return List.copyOf(notes);
  }

  /**
   * The approver's path: look the request up as {@code fabric approvals show} does, read its
   * canonical payload, and sign exactly the entry that was read. The row is SIGNED
   * only if what was read is what the demo submitted and the token binds that digest.
   */
  private String[] approveAfterReading(TaskRequest request, String reason) {
    PendingApproval shown = center.find(request.getRequestId());
    CanonicalPayload read = CanonicalPayload.of(shown.getRequest().getPayload());
    notes.add("approver " + signer.approver() + " read: " + read.json() + " sha256=" + read.sha256Hex());
    ApprovalToken token = center.decide(shown, signer, ApprovalDecision.APPROVE, reason);
    boolean bound = read.sha256Hex().equals(CanonicalPayload.sha256Of(request.getPayload()))
        && read.sha256Hex().equals(token.getPayloadSha256());
    return new String[] {bound ? "SIGNED" : "MISMATCH", "sha256 " + read.sha256Hex().substring(0, 12) + "…"};
  }

  /** A request from a producer without a submitter key: the gate refuses it once it requires signed requests. */
  private TaskRequest unsigned(Submission submission) {
    try (FabricClient anonymous = new FabricClient(connection, catalog)) {
      return anonymous.submit(submission);
    }
  }

  /**
   * A class-A request carrying the reserved rollback attribute, written by a raw producer (FabricClient refuses it) and
   * signed with the demo agent's own key: even a registered submitter cannot set what only the fabric may.
   */
  private TaskRequest forgedRollback(String flowId) {
    String id = UUID.randomUUID().toString();
    TaskRequest request = TaskRequest.newBuilder().setRequestId(id).setTenantId("acme").setFlowId(flowId).setAction("summarize")
        .setPayload("{\"text\":\"Nothing to see here.\"}").setIdempotencyKey(id).setSubmittedAt(System.currentTimeMillis())
        .setSource("demo-attacker").setAttributes(Map.of(ReservedNames.LEGACY_ROLLBACK_ATTRIBUTE, "true")).build();
    request = agent.sign(request);
    try (KafkaProducer<String, TaskRequest> raw = new KafkaProducer<>(connection.clientConfig(), catalog.ingress.keySerde().serializer(),
        catalog.ingress.valueSerde().serializer())) {
      raw.send(new ProducerRecord<>(catalog.ingress.name(), IngressKey.of(request), request)).get(60, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while writing the forged request", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("could not write the forged request to " + catalog.ingress.name() + ": " + e.getMessage(), e);
    }
    return request;
  }

  private TaskRequest submit(Submission submission) {
    return client.submit(submission.source("demo"));
  }

  /** A class-B request with a signed approval token attached up front. */
  private TaskRequest preApproved(String tenant, String action, String payload, String flowId) {
    String requestId = UUID.randomUUID().toString();
    String token = TokenCodec.encode(signer.sign(ApprovalSubject.of(requestId, tenant, flowId, action, payload), ApprovalDecision.APPROVE,
        "pre-approved by the demo"));
    return submit(Submission.of(tenant, action).requestId(requestId).flowId(flowId).payload(payload).approvalToken(token));
  }

  /**
   * Read from fabric.tasks.blocked, not the status: a record that proves no identity is refused without
   * writing the status of the id it names (that id may be a signed request's).
   */
  private Check blocked(String label, TaskRequest request, String reason) {
    return new Check(label, request.getAction(), "BLOCKED", reason, () -> await(() -> LatestByKeyReader.all(connection, catalog.blocked,
        request.getFlowId(), b -> b.getRequest().getRequestId().equals(request.getRequestId())).stream().reduce((a, b) -> b))
        .map(b -> new String[] {"BLOCKED", b.getReason()}).orElse(new String[] {"(none)", null}));
  }

  private Check status(String label, TaskRequest request, String outcome, String reason) {
    return new Check(label, request.getAction(), outcome, reason, () -> awaitStatus(request.getRequestId(), outcome));
  }

  private Check flow(String label, String action, String flowId, String status, String reason) {
    return new Check(label, action, status, reason, () -> {
      Optional<FlowCheckpoint> latest = await(() -> FlowHistoryReader.latest(connection, catalog, flowId)
          .filter(c -> FINAL_FLOW_STATES.contains(c.getStatus())));
      if (latest.isEmpty()) {
        return new String[] {"(not finished)", null};
      }
      FlowCheckpoint c = latest.get();
      String detail = c.getStatus().equals("ROLLED_BACK")
          ? c.getSteps().stream().filter(s -> s.getStatus().equals("COMPENSATED")).count() + " step compensated"
          : c.getRevision() + " revisions";
      return new String[] {c.getStatus(), detail};
    });
  }

  /** "completed, 3 turns": the run's end as its flow's state keeps it. */
  private static String agentSummary(String state) {
    try {
      var run = new com.fasterxml.jackson.databind.ObjectMapper().readTree(state).path("agent_run");
      return run.path("phase").asText("(no run)") + ", " + run.path("turns").asInt() + " turns";
    } catch (java.io.IOException e) {
      return "(unreadable state)";
    }
  }

  private Optional<Integer> attemptsOf(TaskRequest request) {
    return FlowHistoryReader.latest(connection, catalog, request.getFlowId())
        .flatMap(c -> c.getSteps().stream().filter(s -> s.getRequestId().equals(request.getRequestId())).findFirst())
        .map(s -> s.getAttempts().size());
  }

  private String[] awaitStatus(String requestId, String expected) {
    Optional<RequestStatus> status = await(() -> runtime.statusView().find(requestId)
        .filter(s -> s.getOutcome().equals(expected) || Outcome.valueOf(s.getOutcome()).terminal()));
    Optional<RequestStatus> last = status.isPresent() ? status : runtime.statusView().find(requestId);
    return new String[] {last.map(RequestStatus::getOutcome).orElse("(none)"), last.map(RequestStatus::getReason).orElse(null)};
  }

  private <T> Optional<T> await(Supplier<Optional<T>> probe) {
    long deadline = System.nanoTime() + timeout.toNanos();
    Optional<T> value = probe.get();
    while (value.isEmpty() && System.nanoTime() < deadline) {
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
      value = probe.get();
    }
    return value;
  }
}
