package io.fabric.cli;

import io.fabric.agents.flow.AgentRunSetup;

import io.fabric.deploy.EmbeddedKafkaBroker;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.policy.center.ApprovalCenter;
import io.fabric.sandbox.VendorSandbox;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.tracing.FabricTracing;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fabric demo}: a fresh embedded broker, a local vendor sandbox, every app, a scripted mix
 * of requests and flows, and a table of where each ended. Exits 1 if anything did not end where
 * the script expects, so the demo is also a smoke test of the whole fabric.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a scripted mix on a fresh embedded broker and vendor sandbox; print the outcomes.")
final class DemoCommand implements Callable<Integer> {
  static final String APPROVER = "demo-approver";
  static final String SUBMITTER = "demo-agent";
  /** The demo's LLM agent: its own submitter identity, which may only tag and send e-mail for acme. */
  static final String MAILER_AGENT = "demo-mailer";
  static final String MAILER_SUBMITTER = "agent-demo-mailer";
  static final String MAILER_YAML = String.join("\n",
      "name: " + MAILER_AGENT,
      "system_prompt: Tag the customer's message, reply to them by e-mail, then answer with one JSON object.",
      "submitter: " + MAILER_SUBMITTER,
      "input_schema: {type: object, required: [text], properties: {text: {type: string}}}",
      "output_schema: {type: object, required: [category, tool_results], properties: {category: {type: string}, tool_results: {type: array}}}",
      "tools: [tag, send_email]",
      "");

  static final String DEMO_POLICY = String.join("\n",
      "# the demo's policy: one tenant needs approval even for summaries; published content expires fast",
      "tenants:",
      "  strict-co: { B: [summarize] }",
      "approvals:",
      "  actions:",
      "    publish_content: { deadline: PT4S }",
      "");

  @Option(names = "--timeout", defaultValue = "PT60S", description = "How long to wait for each outcome (default ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(names = "--keep", description = "Keep the temporary data dir.")
  boolean keep;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path dir = Files.createTempDirectory("fabric-demo-");
    out.println("starting an embedded Kafka broker, a vendor sandbox and the fabric's apps in " + dir + " ...");
    out.flush();
    ConnectionOptions kafka = new ConnectionOptions();
    kafka.topicPrefix = "fabric.";
    kafka.partitions = 3;
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.start(dir.resolve("broker"), 0);
         VendorSandbox sandbox = VendorSandbox.start()) {
      sandbox.applyToSystemProperties();
      // the agents plugin of this process runs the demo's agent with the sandbox's model (set just above)
      Map<String, String> agentSettings = Map.of(AgentRunSetup.DIR, dir.resolve("agents").toString(),
          AgentRunSetup.KEYS_DIR, dir.resolve("keys").toString(), AgentRunSetup.WAIT_POLL_MS, "200");
      agentSettings.forEach(System::setProperty);
      kafka.bootstrapServer = broker.bootstrapServers();
      TopicCatalog catalog = kafka.catalog();
      TopicsApplier.apply(kafka.connection(), catalog);
      AppOptions apps = demoApprovals(dir);
      TokenSigner signer = new TokenSigner(APPROVER, ApproverKeys.readPrivateKey(dir.resolve("keys").resolve(APPROVER + ".key")));
      RequestSigner agent = new RequestSigner(SUBMITTER, ApproverKeys.readPrivateKey(dir.resolve("keys").resolve(SUBMITTER + ".key")));
      try (FabricTracing tracing = FabricTracing.fromEnvironment();
           FabricRuntime runtime = FabricRuntime.start(apps.settings(kafka, broker.bootstrapServers(), dir.resolve("state")), "127.0.0.1:0",
               tracing);
           FabricClient client = new FabricClient(kafka.connection(), catalog).signedBy(agent)) {
        DemoScript script = new DemoScript(client, agent, kafka.connection(), catalog, runtime, sandbox, signer,
            new ApprovalCenter(kafka.connection(), catalog), timeout);
        List<DemoScript.Row> rows = script.run();
        script.notes().forEach(out::println);
        printTable(out, rows);
        boolean allAsExpected = rows.stream().allMatch(DemoScript.Row::asExpected);
        out.println(allAsExpected ? "every request ended where the policy says it must"
            : "some requests did not end as expected");
        out.println("vendor sandbox: " + sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE) + " WhatsApp message(s), "
            + sandbox.effects(VendorSandbox.LINKEDIN_POST) + " LinkedIn post(s), "
            + sandbox.effects(VendorSandbox.CHARGE) + " charge(s), " + sandbox.effects(VendorSandbox.REFUND) + " refund(s)");
        return allAsExpected ? 0 : 1;
      }
    } finally {
      List.of(AgentRunSetup.DIR, AgentRunSetup.KEYS_DIR, AgentRunSetup.WAIT_POLL_MS).forEach(System::clearProperty);
      if (!keep) {
        deleteTree(dir);
      }
    }
  }

  /**
   * Key pairs for the demo approver (may approve anything) and the demo's submitter (may submit
   * anything for the demo's tenants, so the gate requires signed requests), and the demo policy.
   */
  private static AppOptions demoApprovals(Path dir) throws IOException {
    ApproverKeys.generate(APPROVER, dir.resolve("keys"));
    ApproverKeys.generate(SUBMITTER, dir.resolve("keys"));
    ApproverKeys.generate(MAILER_SUBMITTER, dir.resolve("keys"));
    Files.writeString(Files.createDirectories(dir.resolve("agents")).resolve(MAILER_AGENT + ".yaml"), MAILER_YAML);
    Path registry = dir.resolve("approvers.yaml");
    Files.writeString(registry, "approvers:\n  " + APPROVER + ": { public_key_file: keys/" + APPROVER + ".pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Path submitters = dir.resolve("submitters.yaml");
    Files.writeString(submitters, "submitters:\n  " + SUBMITTER + ": { public_key_file: keys/" + SUBMITTER + ".pub, actions: [\"*\"], tenants: "
        + DemoScript.SUBMITTER_TENANTS + " }\n"
        + "  " + MAILER_SUBMITTER + ": { public_key_file: keys/" + MAILER_SUBMITTER + ".pub, actions: [tag, send_email], tenants: [acme] }\n");
    Path policy = dir.resolve("policy.yaml");
    Files.writeString(policy, DEMO_POLICY);
    AppOptions apps = new AppOptions();
    apps.approversFile = registry;
    apps.submittersFile = submitters;
    apps.policyFile = policy;
    // the agent's run waits on its tool calls between polls; a fifth of the default keeps the demo quick
    apps.config.put("fabric.plugin.runtime.job.poll.min.ms", "200");
    return apps;
  }

  private static void printTable(PrintWriter out, List<DemoScript.Row> rows) {
    List<String[]> cells = new ArrayList<>();
    cells.add(new String[] {"REQUEST", "ACTION", "OUTCOME", "REASON", "AS EXPECTED"});
    rows.forEach(r -> cells.add(new String[] {r.label(), r.action(), r.outcome(), r.reason() == null ? "" : r.reason(),
        r.asExpected() ? "yes" : "NO (expected " + r.expected() + ")"}));
    int[] width = new int[5];
    cells.forEach(r -> {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    });
    StringBuilder format = new StringBuilder();
    for (int w : width) {
      format.append("%-").append(w + 2).append('s');
    }
    format.append("%n");
    cells.forEach(r -> out.printf(format.toString(), (Object[]) r));
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
