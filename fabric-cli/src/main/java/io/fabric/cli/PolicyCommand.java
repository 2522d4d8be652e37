package io.fabric.cli;

import io.fabric.policy.Policy;
import io.fabric.policy.PolicyException;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyPublisher;
import io.fabric.policy.PublishedPolicy;
import io.fabric.contracts.AuditEvent;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.LatestByKeyReader;
import java.time.Duration;
import java.time.Instant;
import io.fabric.policy.tooling.PolicyCases;
import io.fabric.policy.tooling.PolicyDiff;
import io.fabric.policy.tooling.PolicyExplainer;
import io.fabric.policy.tooling.PolicyExplainer.Explanation;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fabric policy check|explain|test|diff|publish|shadow-report|shadow-stop}: change policy safely, like {@code opa test} and
 * {@code opa eval} for this gate. Each subcommand is a thin adapter over policy-stream's Kafka-free
 * {@link PolicyFile#check}, {@link PolicyExplainer}, {@link PolicyCases} and {@link PolicyDiff}.
 */
@Command(name = "policy", mixinStandardHelpOptions = true, description = "Check, explain, test and compare policy files.",
    subcommands = {PolicyCommand.Check.class, PolicyCommand.Explain.class, PolicyCommand.Test.class, PolicyCommand.Diff.class,
        PolicyCommand.Publish.class, PolicyCommand.ShadowReport.class, PolicyCommand.ShadowStop.class})
final class PolicyCommand {
  private PolicyCommand() {}

  /** A valid policy file, or a one-line error naming its first problem (a command that only needs the policy). */
  static Policy load(Path file) {
    return PolicyFile.load(file);
  }

  @Command(name = "check", mixinStandardHelpOptions = true,
      description = "Check a policy file: schema, the tightening-only rule, unknown and duplicate keys; one line per problem, exit 1 on any.")
  static final class Check implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The policy file.")
    Path file;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PolicyFile.Checked checked = PolicyFile.checkFile(file);
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("file", file.toString());
        json.put("ok", checked.ok());
        json.put("version", checked.ok() ? checked.policy().version() : null);
        List<Object> problems = new ArrayList<>();
        checked.problems().forEach(p -> problems.add(Map.of("line", p.line(), "message", p.message())));
        json.put("problems", problems);
        out.println(Json.write(json));
      } else if (checked.ok()) {
        out.println(file + ": ok, version " + checked.policy().version());
      } else {
        PrintWriter err = spec.commandLine().getErr();
        checked.problems().forEach(p -> err.println(p.message()));
        err.flush();
      }
      return checked.ok() ? 0 : 1;
    }
  }

  @Command(name = "explain", mixinStandardHelpOptions = true,
      description = "What the gate would do with a request: class, the rule that matched, the policy version, runs / waits for approval / blocked.")
  static final class Explain implements Callable<Integer> {
    @Option(names = "--tenant", required = true, paramLabel = "T", description = "Tenant id.")
    String tenant;

    @Option(names = "--action", required = true, paramLabel = "A", description = "Task type, e.g. create_charge.")
    String action;

    @Option(names = "--submitter", paramLabel = "S", description = "The submitter (agent) asking; shown, the policy has no per-submitter rules yet.")
    String submitter;

    @Option(names = "--payload", paramLabel = "JSON", description = "The payload (JSON object, or @FILE), checked as the gate checks it.")
    String payload;

    @Option(names = "--policy", paramLabel = "FILE", description = "The policy file (default: the seed's sets, as fabric run without --policy).")
    Path policyFile;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Policy policy = policyFile == null ? Policy.defaults() : load(policyFile);
      String json = payload != null && payload.startsWith("@") ? Files.readString(Path.of(payload.substring(1))) : payload;
      Explanation e = new PolicyExplainer(policy).explain(new PolicyExplainer.Probe(tenant, action, submitter, json));
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(json(e)));
      } else {
        out.println(tenant + " " + action + (submitter == null ? "" : " (submitter " + submitter + ")") + ": " + e.summary());
        out.println("  " + e.detail());
        out.println("  " + e.notJudged());
      }
      return 0;
    }

    static Map<String, Object> json(Explanation e) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("tenant_id", e.probe().tenant());
      json.put("action", e.probe().action());
      json.put("submitter", e.probe().submitter());
      json.put("class", e.actionClass() == null ? null : e.actionClass().name());
      json.put("rule", e.rule());
      json.put("policy_version", e.policyVersion());
      json.put("outcome", e.outcome().name());
      json.put("reason", e.reason() == null ? null : e.reason().name());
      json.put("detail", e.detail());
      json.put("quorum", e.quorum());
      json.put("deadline", e.deadline() == null ? null : e.deadline().toString());
      json.put("sla_warning_after", e.slaWarningAfter() == null ? null : e.slaWarningAfter().toString());
      json.put("canary", e.canary());
      json.put("limits", e.limits());
      json.put("not_judged", e.notJudged());
      return json;
    }
  }

  @Command(name = "test", mixinStandardHelpOptions = true,
      description = "Run table-driven cases against a policy file; prints each mismatch, exit 1 on any.")
  static final class Test implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The policy file.")
    Path policyFile;

    @Option(names = "--cases", required = true, paramLabel = "CASES.yaml", description = "The cases: request and expected outcome, class, quorum, ...")
    Path casesFile;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Policy policy = load(policyFile);
      PolicyCases cases = PolicyCases.load(casesFile);
      List<PolicyCases.Mismatch> mismatches = cases.run(policy);
      long failed = mismatches.stream().map(PolicyCases.Mismatch::testCase).distinct().count();
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("policy_version", policy.version());
        json.put("cases", cases.cases().size());
        json.put("failed", failed);
        List<Object> list = new ArrayList<>();
        for (PolicyCases.Mismatch m : mismatches) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("case", m.testCase().name());
          row.put("line", m.testCase().line());
          row.put("field", m.field());
          row.put("expected", m.expected());
          row.put("actual", m.actual());
          list.add(row);
        }
        json.put("mismatches", list);
        out.println(Json.write(json));
      } else {
        mismatches.forEach(m -> out.println("MISMATCH " + m.message()));
        out.println((cases.cases().size() - failed) + "/" + cases.cases().size() + " cases pass under policy " + policy.version());
      }
      return mismatches.isEmpty() ? 0 : 1;
    }
  }

  @Command(name = "diff", mixinStandardHelpOptions = true,
      description = "What changes from OLD to NEW: each action/tenant whose class changes, each quorum, deadline, canary and setting,"
          + " each limit rule, plugin cap, breaker, approver group and escalation chain added, removed or changed.")
  static final class Diff implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OLD", description = "The policy in force.")
    Path oldFile;

    @Parameters(index = "1", paramLabel = "NEW", description = "The candidate policy.")
    Path newFile;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      Policy before = loadNamed(oldFile, "OLD");
      Policy after = loadNamed(newFile, "NEW");
      List<PolicyDiff.Change> changes = PolicyDiff.between(before, after);
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("from_version", before.version());
        json.put("to_version", after.version());
        List<Object> list = new ArrayList<>();
        for (PolicyDiff.Change c : changes) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("what", c.what());
          row.put("action", c.action());
          row.put("tenant", c.tenant());
          row.put("from", c.from());
          row.put("to", c.to());
          list.add(row);
        }
        json.put("changes", list);
        out.println(Json.write(json));
      } else {
        out.println("policy " + before.version() + " -> " + after.version() + ": " + changes.size() + " change(s)");
        changes.forEach(c -> out.println("  " + c.line()));
      }
      return 0;
    }

    private static Policy loadNamed(Path file, String which) {
      try {
        return load(file);
      } catch (PolicyException e) {
        throw new PolicyException(which + " " + e.getMessage(), e);
      }
    }
  }

  @Command(name = "publish", mixinStandardHelpOptions = true,
      description = "Publish a policy to the running fabric (the policy topic); every policy-stream instance decides by it from its next record."
          + " Refused, nothing published, unless `check` passes.")
  static final class Publish implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The policy file.")
    Path file;

    @Option(names = "--dry-run", description = "Check and show what would change against the published policy; publish nothing.")
    boolean dryRun;

    @Option(names = "--approvers", paramLabel = "FILE",
        description = "The approver registry the fabric runs with: refuse a quorum its approvers could never meet, as `fabric run` does.")
    Path approvers;

    @Option(names = "--shadow", description = "Publish as the shadow policy: evaluated beside the active one on live requests, never acted on"
        + " (see `fabric policy shadow-report`).")
    boolean shadow;

    @Mixin
    ConnectionOptions kafka;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      PolicyFile.Checked checked = PolicyFile.checkFile(file);
      if (!checked.ok()) {
        PrintWriter err = spec.commandLine().getErr();
        checked.problems().forEach(p -> err.println(p.message()));
        err.println("refused: " + file + " does not pass `fabric policy check`; nothing published");
        err.flush();
        return 1;
      }
      Policy candidate = checked.policy();
      if (approvers != null) {
        ApproverSetup.verifier(approvers, candidate);
      }
      String key = shadow ? PublishedPolicy.SHADOW_KEY : PublishedPolicy.ACTIVE_KEY;
      java.util.Optional<String> currentText = PolicyPublisher.current(kafka.connection(), kafka.catalog(), PublishedPolicy.ACTIVE_KEY);
      // a current text that does not parse is what the gate refuses too: each instance then decides by its start file
      Policy current = currentText.map(t -> PolicyFile.check(t, "published policy").policy()).orElse(null);
      List<PolicyDiff.Change> changes = current == null ? List.of() : PolicyDiff.between(current, candidate);
      PolicyPublisher.Published published = dryRun ? null
          : PolicyPublisher.publish(kafka.connection(), kafka.catalog(), key, Files.readString(file), "policy file " + file);
      PrintWriter out = spec.commandLine().getOut();
      String topic = kafka.catalog().policy.name();
      if (output.json()) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("topic", topic);
        json.put("version", candidate.version());
        json.put("published", published != null);
        json.put("shadow", shadow);
        json.put("offset", published == null ? null : published.offset());
        json.put("replaces", current == null ? null : current.version());
        json.put("changes", changes.stream().map(PolicyDiff.Change::line).toList());
        out.println(Json.write(json));
      } else {
        String replaces = current == null ? (currentText.isPresent() ? "an invalid published policy (each instance decides by its start file)"
            : "nothing published yet (each instance decides by its start file)") : "policy " + current.version();
        out.println((published == null ? "dry run: would publish " : "published ") + (shadow ? "shadow " : "") + "policy "
            + candidate.version() + " to " + topic + (published == null ? "" : " (offset " + published.offset() + ")")
            + (shadow ? ", beside active " : ", replacing ") + replaces);
        changes.forEach(c -> out.println("  " + c.line()));
      }
      return 0;
    }
  }

  @Command(name = "shadow-report", mixinStandardHelpOptions = true,
      description = "Every request whose outcome the shadow policy would have changed (audit events POLICY_SHADOW_DIFFERS).")
  static final class ShadowReport implements Callable<Integer> {
    @Option(names = "--since", paramLabel = "DURATION", description = "Only requests of the last DURATION, e.g. PT1H.")
    Duration since;

    @Mixin
    ConnectionOptions kafka;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      long from = since == null ? Long.MIN_VALUE : Instant.now().minus(since).toEpochMilli();
      List<AuditEvent> differences = new ArrayList<>(LatestByKeyReader.everything(kafka.connection(), kafka.catalog().audit).stream()
          .filter(e -> AuditEvents.POLICY_SHADOW_DIFFERS.equals(e.getType()) && e.getAt() >= from).toList());
      differences.sort(java.util.Comparator.comparingLong(AuditEvent::getAt));
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        List<Object> json = new ArrayList<>();
        for (AuditEvent e : differences) {
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("at", Instant.ofEpochMilli(e.getAt()).toString());
          row.put("request_id", e.getRequestId());
          row.put("tenant_id", e.getTenantId());
          row.put("action", e.getAction());
          row.put("submitter", e.getSubmitter());
          row.put("policy_version", e.getPolicyVersion());
          row.put("detail", e.getDetail());
          json.add(row);
        }
        out.println(Json.write(json));
      } else {
        differences.forEach(e -> out.printf("%s  request=%s tenant=%s action=%s  %s%n", Instant.ofEpochMilli(e.getAt()), e.getRequestId(),
            e.getTenantId(), e.getAction(), e.getDetail()));
        out.println(differences.size() + " request(s) would have had another outcome under the shadow policy");
      }
      return 0;
    }
  }

  @Command(name = "shadow-stop", mixinStandardHelpOptions = true, description = "Stop evaluating the shadow policy (a tombstone on its key).")
  static final class ShadowStop implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      PolicyPublisher.clear(kafka.connection(), kafka.catalog(), PublishedPolicy.SHADOW_KEY);
      spec.commandLine().getOut().println("shadow policy cleared on " + kafka.catalog().policy.name());
      return 0;
    }
  }
}
