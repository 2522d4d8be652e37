package io.fabric.cli;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaBroker;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.Submission;
import io.fabric.policy.approvals.ApprovalDecision;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.policy.center.ApprovalCenter;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fabric demo}: a fresh embedded broker, every app, a scripted mix of requests, and a table
 * of where each ended. Exits 1 if any request did not end where the script expects.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Run a scripted mix on a fresh embedded broker and print the outcomes.")
final class DemoCommand implements Callable<Integer> {
  private static final String APPROVER = "demo-approver";

  @Option(names = "--timeout", defaultValue = "PT60S", description = "How long to wait for each outcome (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--keep", description = "Keep the temporary data dir.")
  boolean keep;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** One scripted request, the decision an approver takes on it (if any), and the outcome it must reach. */
  private record Case(String label, String requestId, String action, String expectOutcome, String expectReason, ApprovalDecision decide) {
    Case(String label, String requestId, String action, String expectOutcome, String expectReason) {
      this(label, requestId, action, expectOutcome, expectReason, null);
    }
  }

  static final String DEMO_POLICY = String.join("\n",
      "# the demo's policy: one tenant needs approval even for summaries; published content expires fast",
      "tenants:",
      "  strict-co: { B: [summarize] }",
      "approvals:",
      "  actions:",
      "    publish_content: { deadline: PT4S }",
      "");

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("fabric-demo-");
    out.println("starting an embedded Kafka broker and the fabric's apps in " + dir + " ...");
    out.flush();
    ConnectionOptions kafka = new ConnectionOptions();
    kafka.topicPrefix = "fabric.";
    kafka.partitions = 3;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("broker"), 0)) {
      kafka.bootstrapServer = broker.bootstrapServers();
      TopicCatalog catalog = kafka.catalog();
      TopicsApplier.apply(kafka.connection(), catalog);
      AppOptions apps = demoApprovals(dir);
      TokenSigner signer = new TokenSigner(APPROVER, ApproverKeys.readPrivateKey(dir.resolve("keys").resolve(APPROVER + ".key")));
      ApprovalCenter center = new ApprovalCenter(kafka.connection(), catalog);
      try (FabricRuntime runtime = FabricRuntime.start(apps.settings(kafka, broker.bootstrapServers(), dir.resolve("state"), Map.of()));
           FabricClient client = new FabricClient(kafka.connection(), catalog)) {
        List<Case> cases = submitScript(client, kafka, catalog);
        List<String[]> rows = new ArrayList<>();
        boolean allAsExpected = true;
        for (Case c : cases) {
          if (c.decide() != null) {
            awaitOutcome(runtime, new Case(c.label(), c.requestId(), c.action(), "PENDING_APPROVAL", null));
            center.decide(c.requestId(), signer, c.decide(), c.decide() == ApprovalDecision.APPROVE ? "demo" : "not this week");
          }
        }
        for (Case c : cases) {
          String[] got = c.requestId() == null ? deadLetterOf(kafka, catalog) : awaitOutcome(runtime, c);
          boolean ok = c.expectOutcome().equals(got[0]) && (c.expectReason() == null || c.expectReason().equals(got[1]));
          allAsExpected &= ok;
          rows.add(new String[] {c.label(), c.action(), got[0], got[1] == null ? "" : got[1], ok ? "yes" : "NO (expected " + c.expectOutcome() + ")"});
        }
        printTable(out, rows);
        out.println(allAsExpected ? "every request ended where the policy says it must" : "some requests did not end as expected");
        return allAsExpected ? 0 : 1;
      }
    } finally {
      if (!keep) {
        deleteTree(dir);
      }
    }
  }

  private List<Case> submitScript(FabricClient client, ConnectionOptions kafka, TopicCatalog catalog) {
    List<Case> cases = new ArrayList<>();
    TaskRequest summary = client.submit(Submission.of("acme", "summarize").source("demo")
        .payload("{\"text\":\"Kafka keeps the log. The fabric gates every action. Risky actions wait for a signed approval.\"}"));
    cases.add(new Case("class A runs at once", summary.getRequestId(), "summarize", "EXECUTED", null));
    cases.add(new Case("class B waits for approval", client.submit(Submission.of("acme", "send_whatsapp").source("demo")
        .payload("{\"to\":\"+15550100\",\"text\":\"hello\"}")).getRequestId(), "send_whatsapp", "PENDING_APPROVAL", null));
    cases.add(new Case("class C is forbidden", client.submit(Submission.of("acme", "exfiltrate_secrets").source("demo")).getRequestId(),
        "exfiltrate_secrets", "BLOCKED", "FORBIDDEN"));
    cases.add(new Case("unknown action is class B", client.submit(Submission.of("acme", "launch_rocket").source("demo")).getRequestId(),
        "launch_rocket", "PENDING_APPROVAL", null));
    cases.add(new Case("payload is not JSON", client.submit(Submission.of("acme", "tag").source("demo").payload("not json")).getRequestId(),
        "tag", "BLOCKED", "INVALID_REQUEST"));
    client.submit(Submission.of("acme", "classify").source("demo").idempotencyKey("demo-order-42").payload("{\"text\":\"invoice overdue\"}"));
    cases.add(new Case("same idempotency key again", client.submit(Submission.of("acme", "classify").source("demo")
        .idempotencyKey("demo-order-42").payload("{\"text\":\"invoice overdue\"}")).getRequestId(), "classify", "DUPLICATE", null));
    cases.add(new Case("other tenant names the flow", client.submit(Submission.of("globex", "summarize").source("demo")
        .flowId(summary.getFlowId())).getRequestId(), "summarize", "BLOCKED", "TENANT_MISMATCH"));
    cases.add(new Case("approved by a signed token", client.submit(Submission.of("strict-co", "summarize").source("demo")
        .payload("{\"text\":\"Approvals are signed. A token works once.\"}")).getRequestId(), "summarize", "EXECUTED", null, ApprovalDecision.APPROVE));
    cases.add(new Case("rejected by a signed token", client.submit(Submission.of("acme", "send_email").source("demo")
        .payload("{\"to\":\"ceo@example.com\"}")).getRequestId(), "send_email", "BLOCKED", "APPROVAL_REJECTED", ApprovalDecision.REJECT));
    cases.add(new Case("no approval in time", client.submit(Submission.of("acme", "publish_content").source("demo")).getRequestId(),
        "publish_content", "BLOCKED", "APPROVAL_EXPIRED"));
    try (KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.connection().clientConfig(), new ByteArraySerializer(), new ByteArraySerializer())) {
      raw.send(new ProducerRecord<>(catalog.ingress.name(), "demo-garbage".getBytes(StandardCharsets.UTF_8), new byte[] {0x42, 0x00, 0x13}));
    }
    cases.add(new Case("undecodable bytes", null, "(raw bytes)", "DEAD_LETTER", "UNDECODABLE"));
    return cases;
  }

  /** A key pair for the demo approver, a registry that lets it approve anything, and the demo policy. */
  private static AppOptions demoApprovals(Path dir) throws IOException {
    ApproverKeys.generate(APPROVER, dir.resolve("keys"));
    Path registry = dir.resolve("approvers.yaml");
    Files.writeString(registry, "approvers:\n  " + APPROVER + ": { public_key_file: keys/" + APPROVER + ".pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, DEMO_POLICY);
    AppOptions apps = new AppOptions();
    apps.approversFile = registry;
    apps.policyFile = policy;
    return apps;
  }

  private String[] awaitOutcome(FabricRuntime runtime, Case c) {
    Optional<RequestStatus> status = await(() -> runtime.statusView().find(c.requestId())
        .filter(s -> s.getOutcome().equals(c.expectOutcome()) || Outcome.valueOf(s.getOutcome()).terminal()));
    if (status.isEmpty()) {
      Optional<RequestStatus> last = runtime.statusView().find(c.requestId());
      return new String[] {last.map(RequestStatus::getOutcome).orElse("(none)"), last.map(RequestStatus::getReason).orElse(null)};
    }
    return new String[] {status.get().getOutcome(), status.get().getReason()};
  }

  private String[] deadLetterOf(ConnectionOptions kafka, TopicCatalog catalog) {
    Optional<DeadLetter> letter = await(() -> LatestByKeyReader.latest(kafka.connection(), catalog.dlq, "demo-garbage"));
    return letter.map(l -> new String[] {"DEAD_LETTER", l.getReason()}).orElse(new String[] {"(none)", null});
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

  private static void printTable(PrintWriter out, List<String[]> rows) {
    String[] header = {"REQUEST", "ACTION", "OUTCOME", "REASON", "AS EXPECTED"};
    int[] width = new int[header.length];
    Stream.concat(Stream.<String[]>of(header), rows.stream()).forEach(r -> {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    });
    StringBuilder format = new StringBuilder();
    for (int w : width) {
      format.append("%-").append(w + 2).append('s');
    }
    format.append("%n");
    out.printf(format.toString(), (Object[]) header);
    rows.forEach(r -> out.printf(format.toString(), (Object[]) r));
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
