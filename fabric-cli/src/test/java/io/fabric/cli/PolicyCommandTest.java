package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.policy.PolicyFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String GOOD = """
      version: 2026-12-01.1
      approvals:
        actions:
          create_charge: { deadline: PT2H, quorum: 2 }
      """;

  @TempDir
  Path dir;

  @Test
  void checkOfAGoodFilePrintsItsVersionAndExitsZero() throws Exception {
    Path policy = Files.writeString(dir.resolve("p.yaml"), GOOD);

    CliRun run = CliRun.of("policy", "check", policy.toString());

    assertEquals(0, run.exitCode(), run.toString());
    assertEquals(policy + ": ok, version " + PolicyFile.load(policy).version(), run.out().strip(), run.toString());
    assertTrue(run.out().contains("2026-12-01.1@"), run.toString());
  }

  @Test
  void checkPrintsOneLinePerProblemWithItsLineAndExitsOne() throws Exception {
    // Given a file with a loosening, a misspelt key and a duplicate key
    Path policy = Files.writeString(dir.resolve("p.yaml"), """
        classes:
          A: [exfiltrate_secrets]
        approvals:
          actions:
            create_charge: { quorom: 2 }
        limits: { max_payload_bytes: 100 }
        limits: { max_payload_bytes: 200 }
        """);

    // When it is checked
    CliRun run = CliRun.of("policy", "check", policy.toString());

    // Then it exits 1 with exactly three lines, each naming the file and line
    assertEquals(1, run.exitCode(), run.toString());
    List<String> lines = run.err().strip().lines().toList();
    assertEquals(3, lines.size(), run.toString());
    assertTrue(lines.get(0).startsWith("policy file " + policy + ":2: classes.A would loosen 'exfiltrate_secrets'"), run.toString());
    assertTrue(lines.get(1).startsWith("policy file " + policy + ":5: unknown key 'quorom' in approvals.actions.create_charge"), run.toString());
    assertTrue(lines.get(2).startsWith("policy file " + policy + ":7: duplicate key 'limits'"), run.toString());
  }

  @Test
  void checkOfAMissingFileIsOneLineAndExitOne() {
    CliRun run = CliRun.of("policy", "check", dir.resolve("none.yaml").toString());

    assertEquals(1, run.exitCode(), run.toString());
    assertEquals(1, run.err().strip().lines().count(), run.toString());
    assertTrue(run.err().startsWith("cannot read policy file"), run.toString());
  }

  @Test
  void explainSaysWhatWouldHappenWithQuorumDeadlineRuleAndVersion() throws Exception {
    Path policy = Files.writeString(dir.resolve("p.yaml"), GOOD);

    CliRun run = CliRun.of("policy", "explain", "--tenant", "acme", "--action", "create_charge", "--submitter", "billing-agent",
        "--payload", "{\"amount\":1200}", "--policy", policy.toString(), "-o", "json");

    assertEquals(0, run.exitCode(), run.toString());
    JsonNode json = JSON.readTree(run.out());
    assertEquals("WAITS_FOR_APPROVAL", json.get("outcome").asText(), run.toString());
    assertEquals("B", json.get("class").asText());
    assertEquals("default:class-b", json.get("rule").asText());
    assertEquals(2, json.get("quorum").asInt());
    assertEquals("PT2H", json.get("deadline").asText());
    assertEquals("billing-agent", json.get("submitter").asText());
    assertEquals(PolicyFile.load(policy).version(), json.get("policy_version").asText());
  }

  @Test
  void explainInTextNamesTheOutcomeAndTheReasonOfABlock() {
    CliRun forbidden = CliRun.of("policy", "explain", "--tenant", "acme", "--action", "exfiltrate_secrets");
    assertEquals(0, forbidden.exitCode(), forbidden.toString());
    assertTrue(forbidden.out().startsWith("acme exfiltrate_secrets: BLOCKED  class C  rule default:class-c  reason FORBIDDEN"), forbidden.toString());

    CliRun invalid = CliRun.of("policy", "explain", "--tenant", "acme", "--action", "summarize", "--payload", "not json");
    assertTrue(invalid.out().contains("BLOCKED  reason INVALID_REQUEST"), invalid.toString());
    assertTrue(invalid.out().contains("payload is not valid JSON"), invalid.toString());
  }

  @Test
  void explainWithAnInvalidPolicyIsOneLineAndExitOne() throws Exception {
    Path policy = Files.writeString(dir.resolve("p.yaml"), "classes:\n  A: [bypass_auth]\n");

    CliRun run = CliRun.of("policy", "explain", "--tenant", "acme", "--action", "summarize", "--policy", policy.toString());

    assertEquals(1, run.exitCode(), run.toString());
    assertEquals(1, run.err().strip().lines().count(), run.toString());
    assertTrue(run.err().contains(":2: classes.A would loosen 'bypass_auth'"), run.toString());
  }

  @Test
  void testPassesWhenEveryCaseHoldsAndPrintsEachMismatchOtherwise() throws Exception {
    Path policy = Files.writeString(dir.resolve("p.yaml"), GOOD);
    Path cases = Files.writeString(dir.resolve("cases.yaml"), """
        cases:
          - name: charges need two approvers
            tenant: acme
            action: create_charge
            expect: { outcome: WAITS_FOR_APPROVAL, quorum: 2, deadline: PT2H }
          - name: summaries run
            tenant: acme
            action: summarize
            expect: { outcome: RUNS }
        """);

    CliRun pass = CliRun.of("policy", "test", policy.toString(), "--cases", cases.toString());
    assertEquals(0, pass.exitCode(), pass.toString());
    assertTrue(pass.out().contains("2/2 cases pass"), pass.toString());

    Path defaults = Files.writeString(dir.resolve("empty.yaml"), "");
    CliRun fail = CliRun.of("policy", "test", defaults.toString(), "--cases", cases.toString());
    assertEquals(1, fail.exitCode(), fail.toString());
    assertEquals(List.of(
            "MISMATCH cases file " + cases + ":2: case 'charges need two approvers': expected quorum 2, got 1",
            "MISMATCH cases file " + cases + ":2: case 'charges need two approvers': expected deadline PT2H, got PT24H",
            "1/2 cases pass under policy " + PolicyFile.load(defaults).version()),
        fail.out().strip().lines().toList(), fail.toString());
  }

  @Test
  void diffListsWhatChangesForWhom() throws Exception {
    Path before = Files.writeString(dir.resolve("old.yaml"), "tenants:\n  strict-co: { B: [summarize] }\n");
    Path after = Files.writeString(dir.resolve("new.yaml"), GOOD + "tenants:\n  strict-co: { B: [summarize], C: [send_email] }\n");

    CliRun run = CliRun.of("policy", "diff", before.toString(), after.toString(), "-o", "json");

    assertEquals(0, run.exitCode(), run.toString());
    JsonNode json = JSON.readTree(run.out());
    assertEquals(3, json.get("changes").size(), run.toString());
    assertEquals("send_email", json.get("changes").get(0).get("action").asText(), run.toString());
    assertEquals("strict-co", json.get("changes").get(0).get("tenant").asText(), run.toString());
    assertEquals("quorum", json.get("changes").get(1).get("what").asText(), run.toString());
    assertEquals("deadline", json.get("changes").get(2).get("what").asText(), run.toString());

    CliRun text = CliRun.of("policy", "diff", before.toString(), after.toString());
    assertTrue(text.out().contains("3 change(s)"), text.toString());
    assertTrue(text.out().contains("B -> C"), text.toString());
  }

  @Test
  void publishRefusesAQuorumTheApproversCannotMeetBeforeTouchingKafka() throws Exception {
    io.fabric.policy.approvals.ApproverKeys.generate("alice", dir.resolve("keys"));
    Path approvers = Files.writeString(dir.resolve("approvers.yaml"),
        "approvers:\n  alice: { public_key_file: keys/alice.pub, actions: [\"*\"], tenants: [\"*\"] }\n");
    Path policy = Files.writeString(dir.resolve("p.yaml"), GOOD);

    CliRun run = CliRun.of("policy", "publish", policy.toString(), "--approvers", approvers.toString(), "--bootstrap-server", "127.0.0.1:1");

    assertEquals(1, run.exitCode(), run.toString());
    assertEquals(1, run.err().strip().lines().count(), run.toString());
    assertTrue(run.err().contains("approvals.actions.create_charge.quorum is 2, but at most 1 registered approver"), run.toString());
  }
}
