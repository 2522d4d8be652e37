package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentsCommandTest {
  private static final Path EXAMPLES = Path.of("../examples/agents");

  @Test
  void checkAcceptsTheShippedExample() {
    CliRun run = CliRun.of("agents", "check", EXAMPLES.resolve("ticket-triage.yaml").toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("ok (agent ticket-triage)"), run.toString());
  }

  @Test
  void checkPrintsLineNumberedProblemsAndExitsOne(@TempDir Path dir) throws IOException {
    Path bad = dir.resolve("bad.yaml");
    Files.writeString(bad, "name: bad\nsystem_prompt: x\noutput_schema: {type: object}\ntools: [Tag]\nescalaton: {}\n");
    CliRun run = CliRun.of("agents", "check", bad.toString());
    assertEquals(1, run.exitCode(), run.toString());
    assertTrue(run.err().contains(bad + ":4: tools.0: "), run.toString());
    assertTrue(run.err().contains(bad + ":5: "), run.toString());
    assertEquals(1, CliRun.of("agents", "check", dir.resolve("missing.yaml").toString()).exitCode());
  }

  @Test
  void listAndShowReadTheDirectory() {
    CliRun list = CliRun.of("agents", "list", "--dir", EXAMPLES.toString());
    assertEquals(0, list.exitCode(), list.toString());
    assertTrue(list.out().contains("ticket-triage"), list.toString());

    CliRun show = CliRun.of("agents", "show", "ticket-triage", "--dir", EXAMPLES.toString(), "-o", "json");
    assertEquals(0, show.exitCode(), show.toString());
    assertTrue(show.out().contains("\"send_email\" : \"B\""), "each tool with its policy class: " + show);
    assertTrue(show.out().contains("\"tag\" : \"A\""), show.toString());

    CliRun unknown = CliRun.of("agents", "show", "nobody", "--dir", EXAMPLES.toString());
    assertEquals(1, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().startsWith("error: no valid agent 'nobody'"), unknown.toString());
  }

  @Test
  void runSaysWhatIsMissingBeforeTouchingKafkaOrAModel() {
    CliRun usage = CliRun.of("agents", "run", "ticket-triage", "--dir", EXAMPLES.toString());
    assertEquals(2, usage.exitCode(), usage.toString());
    assertTrue(usage.err().contains("needs --tenant and --input (or --resume FILE)"), usage.toString());

    CliRun noProvider = CliRun.of("agents", "run", "ticket-triage", "--dir", EXAMPLES.toString(), "--tenant", "acme",
        "--input", "{\"text\":\"hi\"}", "--bootstrap-server", "127.0.0.1:1");
    assertEquals(1, noProvider.exitCode(), noProvider.toString());
    assertTrue(noProvider.err().startsWith("error: no model provider configured: set FABRIC_AGENTS_PROVIDERS"), noProvider.toString());
  }
}
