package io.fabric.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.CanonicalPayload;
import io.fabric.policy.approvals.TokenCodec;
import io.fabric.policy.approvals.TokenStatement;
import io.fabric.sandbox.VendorSandbox;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The web console in a real headless browser (Debian's {@code chromium} and {@code chromedriver}; the
 * tests are skipped without them) against a whole fabric on the embedded broker: an approver enters the
 * API key, reads a pending request's payload, loads alice's key file, approves or rejects with a token
 * signed in the page, and the request executes or is blocked; a key for one tenant never sees another's
 * request. Each page's screenshot is written to {@code target/console-screenshots/}.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class ConsoleBrowserTest {
  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final Duration PAGE_WAIT = Duration.ofSeconds(20);

  @TempDir
  static Path dir;

  private static InProcessFabricSetup setup;
  private static VendorSandbox sandbox;
  private static FabricRuntime runtime;
  private static GatewayOptions.Running http;
  private static io.fabric.observability.ProcessMetrics metrics;
  private static ChromeDriver browser;
  private static String acmeKey;
  private static String globexKey;

  @BeforeAll
  static void startFabricAndBrowser() throws IOException {
    Optional<Path> chromium = onPath("chromium");
    Optional<Path> chromedriver = onPath("chromedriver");
    if (chromium.isEmpty() || chromedriver.isEmpty()) {
      return; // each test is then skipped, saying why (see needsABrowser)
    }
    setup = new InProcessFabricSetup(dir, "console");
    sandbox = VendorSandbox.start();
    sandbox.applyToSystemProperties();
    setup.approverPolicyAndTopics("approvals:\n  default_deadline: PT10M\n");
    ConnectionOptions kafka = setup.kafka();
    AppOptions apps = setup.apps();
    GatewayOptions gateway = setup.gatewayWithKey("acme-ops", "acme");
    setup.addApiKey("globex-ops", "globex");
    acmeKey = setup.apiKey("acme-ops");
    globexKey = setup.apiKey("globex-ops");
    AtomicReference<FabricRuntime> started = new AtomicReference<>();
    // as fabric run does: one metrics registry, which /metrics (and so the overview page) serves
    metrics = new io.fabric.observability.ProcessMetrics();
    http = gateway.start(kafka.connection(kafka.bootstrapServer), kafka.catalog(), apps, started::get,
        io.fabric.schemas.tracing.FabricTracing.noop(), metrics);
    runtime = FabricRuntime.start(apps.settings(kafka, kafka.bootstrapServer, dir.resolve("state")), http.http().advertised(),
        io.fabric.schemas.tracing.FabricTracing.noop(), metrics.fabric());
    started.set(runtime);

    ChromeOptions options = new ChromeOptions().setBinary(chromium.get().toFile())
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1200,900");
    options.setCapability("goog:loggingPrefs", java.util.Map.of("browser", "ALL"));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.get().toFile()).build();
    browser = new ChromeDriver(service, options);
    Files.createDirectories(SCREENSHOTS);
  }

  @BeforeEach
  void needsABrowser() {
    assumeTrue(browser != null, "skipped: no headless browser (Debian: apt-get install chromium chromium-driver; .ci/run installs them)");
  }

  @AfterAll
  static void stopAll() {
    if (browser != null) {
      browser.quit();
    }
    if (http != null) {
      http.close();
    }
    if (runtime != null) {
      runtime.close();
    }
    if (sandbox != null) {
      sandbox.close();
    }
    if (metrics != null) {
      metrics.close();
    }
  }

  @Test
  void anApproverReadsThePayloadApprovesWithAKeyInTheBrowserAndTheRequestExecutes() throws Exception {
    int messagesBefore = sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE);
    String flow = "order-" + java.util.UUID.randomUUID();
    CliRun summary = setup.cli("submit", "--tenant", "acme", "--action", "summarize", "--flow", flow, "--payload",
        "{\"text\":\"Order 42 is packed. It ships today.\"}");
    assertEquals(0, summary.exitCode(), summary.toString());
    assertTrue(setup.cli("status", summary.out().strip(), "--wait", "PT40S").out().contains("EXECUTED"), "the flow's first step ran");
    String payload = "{\"to\":\"+15550100\",\"text\":\"Your order ships today\"}";
    String id = pendingRequest("acme", flow, payload);

    signIn(acmeKey, "login");
    WebElement row = waitFor(By.cssSelector("tr[data-request-id='" + id + "']"));
    assertTrue(row.getText().contains("acme") && row.getText().contains("send_whatsapp") && row.getText().contains("0/1"), row.getText());
    screenshot("approvals");

    row.findElement(By.tagName("a")).click();
    CanonicalPayload canonical = CanonicalPayload.of(payload);
    assertEquals(canonical.json(), waitFor(By.id("payload")).getText(), "the whole canonical payload is on screen");
    assertEquals(canonical.sha256Hex(), browser.findElement(By.id("payload-sha256")).getText());
    assertEquals(canonical.sha256Hex(), browser.findElement(By.id("payload-sha256-local")).getText(), "the page computed the same digest");
    await().atMost(PAGE_WAIT).until(() -> text("flow-steps").contains("summarize"));
    assertFalse(browser.findElement(By.id("approve")).isEnabled(), "nothing to sign with before a key is loaded");
    loadAlicesKey();
    browser.findElement(By.id("reason")).sendKeys("customer asked");
    screenshot("approval");
    browser.findElement(By.id("approve")).click();
    await().atMost(PAGE_WAIT).until(() -> text("decision-result").contains("Approval by alice published"));

    browser.findElement(By.id("to-request")).click();
    await().atMost(Duration.ofSeconds(40)).until(() -> text("outcome").startsWith("EXECUTED"));
    await().atMost(PAGE_WAIT).until(() -> text("flow-steps").contains("summarize") && text("flow-steps").contains("send_whatsapp"));
    screenshot("request-executed");
    assertEquals(messagesBefore + 1, sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE), "sent once");
    List<String> violations = browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
        .map(org.openqa.selenium.logging.LogEntry::getMessage).filter(m -> m.contains("Content Security Policy")).toList();
    assertEquals(List.of(), violations, "the pages run within their own policy");
  }

  @Test
  void aRejectionSignedInTheBrowserBlocksTheRequestAndNeedsAReason() throws Exception {
    int messagesBefore = sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE);
    // a right-to-left override makes the text read otherwise than it is
    String id = pendingRequest("acme", "{\"to\":\"+15550101\",\"text\":\"Refund \\u202edevorppa\"}");

    signIn(acmeKey);
    browser.get(consoleUrl() + "#/approvals/" + id);
    waitFor(By.id("payload"));
    assertTrue(text("payload-warning").contains("invisible or direction-changing characters"), "the page warns");
    assertTrue(text("payload-escaped").contains("Refund \\u{202E}devorppa"), text("payload-escaped"));
    loadAlicesKey();
    browser.findElement(By.id("reject")).click();
    await().atMost(PAGE_WAIT).until(() -> text("decision-result").contains("a rejection needs a reason"));
    browser.findElement(By.id("reason")).sendKeys("wrong customer");
    browser.findElement(By.id("reject")).click();
    await().atMost(PAGE_WAIT).until(() -> text("decision-result").contains("Rejection by alice published"));

    browser.findElement(By.id("to-request")).click();
    await().atMost(Duration.ofSeconds(40)).until(() -> text("outcome").equals("BLOCKED (APPROVAL_REJECTED)"));
    screenshot("request-rejected");
    assertTrue(setup.cli("status", id).out().contains("BLOCKED (APPROVAL_REJECTED)"));
    assertEquals(messagesBefore, sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE), "nothing was sent");
  }

  @Test
  void aKeyForOneTenantNeverSeesAnotherTenantsRequest() throws Exception {
    String acme = pendingRequest("acme", "{\"to\":\"+15550102\",\"text\":\"acme only\"}");
    String globex = pendingRequest("globex", "{\"to\":\"+15550103\",\"text\":\"globex only\"}");

    signIn(acmeKey);
    waitFor(By.cssSelector("tr[data-request-id='" + acme + "']"));
    assertTrue(browser.findElements(By.cssSelector("tr[data-request-id='" + globex + "']")).isEmpty(), "acme's key lists no globex request");
    browser.get(consoleUrl() + "#/approvals/" + globex);
    waitFor(By.id("not-pending"));
    browser.get(consoleUrl() + "#/requests/" + globex);
    assertTrue(waitFor(By.id("request-missing")).getText().startsWith("404"), "another tenant's id is answered like an unknown one");

    browser.findElement(By.id("forget-key")).click();
    signIn(globexKey);
    waitFor(By.cssSelector("tr[data-request-id='" + globex + "']"));
    assertTrue(browser.findElements(By.cssSelector("tr[data-request-id='" + acme + "']")).isEmpty(), "globex's key lists no acme request");
  }

  @Test
  void aTokenSignedInTheBrowserIsByteForByteTheOneTheCliSigns() throws Exception {
    signIn(acmeKey);
    waitFor(By.id("view"));
    String pem = Files.readString(dir.resolve("keys/alice.key"));
    TokenStatement statement = new TokenStatement("req-ü-1", "acme", "flow-7", "send_whatsapp", CanonicalPayload.sha256Of("{\"b\":1,\"a\":\"✓\"}"),
        "alice", "REJECT", "not today: ünïcode ✓ 😀", 1_764_633_600_000L, 1_764_637_200_000L, "bm9uY2Utbm9uY2Utbg");
    Object fromBrowser = ((JavascriptExecutor) browser).executeAsyncScript("""
        const [pem, s, done] = arguments;
        import('/console/approval-token.js').then(async (t) => {
          const key = await t.importApproverKey(pem);
          const statement = t.statementFor({ request_id: s.request_id, tenant_id: s.tenant_id, flow_id: s.flow_id, action: s.action },
              s.payload_sha256, s.approver, s.decision, s.reason, s.issued_at, s.nonce);
          done(await t.signToken(key, statement));
        }).catch((e) => done('error: ' + e.message));
        """, pem, java.util.Map.of("request_id", statement.requestId(), "tenant_id", statement.tenantId(), "flow_id", statement.flowId(),
        "action", statement.action(), "payload_sha256", statement.payloadSha256(), "approver", statement.approver(),
        "decision", statement.decision(), "reason", statement.reason(), "issued_at", statement.issuedAtMillis(), "nonce", statement.nonce()));

    PrivateKey alice = ApproverKeys.readPrivateKey(dir.resolve("keys/alice.key"));
    Signature ed25519 = Signature.getInstance(ApproverKeys.ALGORITHM);
    ed25519.initSign(alice);
    ed25519.update(statement.toBytes());
    assertEquals(TokenCodec.encode(statement.withSignature(ed25519.sign())), fromBrowser, "Ed25519 is deterministic: the same statement, the same token");
  }

  @Test
  void aDeadLetterIsInspectedDryRunAndReplayedFromThePageAndTheReplayedRequestExecutes() throws Exception {
    int messagesBefore = sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE);
    String flow = "dlq-" + java.util.UUID.randomUUID();
    // markup in a payload must show as text on every page (the browser would run it otherwise)
    String payload = "{\"to\":\"+15550104\",\"text\":\"<img src=x id=injected><script>document.title='owned'</script>\"}";
    String id = pendingRequest("acme", flow, payload);
    sandbox.failNext("POST", "/v", 400, 1);
    CliRun approved = setup.cli("approve", id, "--key", dir.resolve("keys/alice.key").toString());
    assertEquals(0, approved.exitCode(), approved.toString());
    await().atMost(Duration.ofSeconds(40)).until(() -> outcome(acmeKey, id).equals("DEAD_LETTER (EXECUTION_FAILED)"));

    signIn(acmeKey);
    browser.get(consoleUrl() + "#/dead-letters?flow=" + flow);
    WebElement row = waitFor(By.cssSelector("tr[data-dead-letter-id]"));
    assertTrue(row.getText().contains("EXECUTION_FAILED") && row.getText().contains("send_whatsapp"), row.getText());
    screenshot("dead-letters");
    String deadLetterId = row.getAttribute("data-dead-letter-id");
    click(By.cssSelector("tr[data-dead-letter-id] a"));
    await().atMost(PAGE_WAIT).until(() -> text("dead-letter-reason").equals("EXECUTION_FAILED"));
    assertTrue(text("original-value").contains("<script>document.title='owned'</script>"), "the payload is shown as text: " + text("original-value"));
    assertTrue(browser.findElements(By.id("injected")).isEmpty(), "no markup from a payload becomes an element");
    assertFalse(browser.findElement(By.id("replay")).isEnabled(), "no replay before a dry run");
    browser.findElement(By.id("dry-run")).click();
    await().atMost(PAGE_WAIT).until(() -> text("replay-verdict").startsWith("would replay"));
    assertTrue(text("replay-verdict").contains("replay 1 of at most 3"), "the loop guard's verdict: " + text("replay-verdict"));
    assertFalse(text("replay-plan").contains("null"), text("replay-plan"));
    screenshot("dead-letter");
    browser.findElement(By.id("replay")).click();
    await().atMost(PAGE_WAIT).until(() -> text("replay-result").startsWith("Replayed to"));

    // the replay goes through the gate again: a class-B request waits for a fresh approval
    await().atMost(Duration.ofSeconds(40)).until(() -> outcome(acmeKey, id).startsWith("PENDING_APPROVAL"));
    CliRun reapproved = setup.cli("approve", id, "--key", dir.resolve("keys/alice.key").toString());
    assertEquals(0, reapproved.exitCode(), reapproved.toString());
    browser.findElement(By.id("to-replayed-request")).click();
    await().atMost(Duration.ofSeconds(40)).until(() -> text("outcome").startsWith("EXECUTED"));
    await().atMost(PAGE_WAIT).until(() -> text("trace-hops").contains("executed"));
    screenshot("request-replayed");
    assertEquals(messagesBefore + 1, sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE), "sent once, by the replay");
    assertTrue(browser.findElements(By.id("injected")).isEmpty());

    browser.findElement(By.id("to-flow")).click();
    WebElement timeline = waitFor(By.id("flow-timeline"));
    await().atMost(PAGE_WAIT).until(() -> text("flow-timeline").contains("FAILED") && text("flow-timeline").contains("FAILED → EXECUTED"));
    assertTrue(timeline.getText().contains("Changes since revision"), timeline.getText());
    screenshot("flow");

    // the flow's evidence pack: its dead letter, replay, approvals and checkpoints, verified against the live topics
    browser.findElement(By.id("to-evidence")).click();
    await().atMost(PAGE_WAIT).until(() -> text("evidence-status").startsWith("Verified against the live topics"));
    browser.findElement(By.id("download-evidence")).click();
    await().atMost(PAGE_WAIT).until(() -> text("evidence-downloaded").contains("bytes saved"));
    screenshot("evidence");

    browser.findElement(By.id("forget-key")).click();
    signIn(globexKey);
    browser.get(consoleUrl() + "#/dead-letters?flow=" + flow);
    waitFor(By.id("no-dead-letters"));
    browser.get(consoleUrl() + "#/dead-letters/" + deadLetterId);
    assertTrue(waitFor(By.id("dead-letter-missing")).getText().startsWith("404"), "another tenant's dead letter is answered like an unknown one");
    browser.get(consoleUrl() + "#/flows/" + flow);
    assertTrue(waitFor(By.id("flow-missing")).getText().startsWith("404"));
    browser.get(consoleUrl() + "#/evidence/" + flow);
    assertTrue(waitFor(By.id("evidence-missing")).getText().startsWith("404"));
    assertEquals("Execution Fabric console", browser.getTitle(), "no script from a payload ran");
    List<String> violations = browser.manage().logs().get(org.openqa.selenium.logging.LogType.BROWSER).getAll().stream()
        .map(org.openqa.selenium.logging.LogEntry::getMessage).filter(m -> m.contains("Content Security Policy")).toList();
    assertEquals(List.of(), violations, "the pages run within their own policy");
  }

  @Test
  void theAuditBoardAndTheOverviewShowTheKeysTenantsOnly() throws Exception {
    String acme = blockedRequest("acme");
    String globex = blockedRequest("globex");
    // acme's key acting for globex: refused, and a security event of globex's
    HttpResponse<String> refused = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
            java.net.URI.create("http://127.0.0.1:" + http.http().port() + "/v1/tasks")).header("Authorization", "Bearer " + acmeKey)
        .header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"tenant_id\":\"globex\",\"action\":\"summarize\",\"payload\":{\"text\":\"x\"}}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, refused.statusCode(), refused.body());

    signIn(acmeKey);
    browser.get(consoleUrl() + "#/audit");
    awaitOnRefresh(() -> text("policy-violations").contains(acme));
    assertTrue(text("chain-status").contains(": verified,"), text("chain-status"));
    assertFalse(text("policy-violations").contains(globex), "no other tenant's violation");
    assertFalse(text("audit-board").contains("tried to submit for tenant globex"), "no other tenant's security event");
    screenshot("audit");
    browser.get(consoleUrl() + "#/overview");
    await().atMost(PAGE_WAIT).until(() -> text("decisions-BLOCKED").contains("BLOCKED"));
    assertTrue(text("pending-approvals").contains("approvals waiting"), text("pending-approvals"));
    assertTrue(text("breakers-tripped").contains("breakers tripped") && text("breakers-tripped").contains("nothing paused"),
        text("breakers-tripped"));
    screenshot("overview");

    browser.findElement(By.id("forget-key")).click();
    signIn(globexKey);
    browser.get(consoleUrl() + "#/audit");
    awaitOnRefresh(() -> text("security-events").contains("tried to submit for tenant globex") && text("policy-violations").contains(globex));
    assertFalse(text("policy-violations").contains(acme));
  }

  @Test
  void theOverviewReadsPluginLatencyFromTheHistogramAndSkipsWhatIsNotASample() throws Exception {
    signIn(acmeKey);
    Object summary = ((JavascriptExecutor) browser).executeAsyncScript("""
        const done = arguments[arguments.length - 1];
        import('/console/metrics.js').then((m) => {
          const text = [
            '# HELP fabric_plugin_calls_seconds a comment',
            'fabric_plugin_calls_seconds_bucket{plugin="stripe",result="success",le="0.1"} 50',
            'fabric_plugin_calls_seconds_bucket{plugin="stripe",result="success",le="0.2"} 100',
            'fabric_plugin_calls_seconds_bucket{plugin="stripe",result="success",le="+Inf"} 100',
            'fabric_plugin_calls_seconds_count{plugin="stripe",result="success"} 100',
            'fabric_plugin_calls_seconds_sum{plugin="stripe",result="success"} 10',
            'fabric_decisions_total{class="A",outcome="ROUTED",reason="x\\\\"y"} 3',
            'fabric_decisions_total{class="B",outcome="ROUTED",reason=""} 2',
            'fabric_breakers_tripped 2.0',
            'not a sample line',
          ].join('\\n');
          const s = m.summarize(m.parseMetrics(text));
          done(JSON.stringify({ routed: s.decisions.ROUTED, p50: Math.round(s.latency[0].p50Ms), p99: Math.round(s.latency[0].p99Ms),
            mean: Math.round(s.latency[0].meanMs), breakers: s.breakersTripped,
            rate: m.perMinute(10, 16, 30000) }));
        }).catch((e) => done('error: ' + e.message));
        """);
    assertEquals("{\"routed\":5,\"p50\":100,\"p99\":198,\"mean\":100,\"breakers\":2,\"rate\":12}", summary);
  }

  // ---- helpers

  /** A class-C request of TENANT (with markup in its payload), blocked by the gate: a policy violation on the audit chain. */
  private static String blockedRequest(String tenant) {
    CliRun submit = setup.cli("submit", "--tenant", tenant, "--action", "exfiltrate_secrets", "--payload", "{\"note\":\"<b>not bold</b>\"}");
    assertEquals(0, submit.exitCode(), submit.toString());
    return submit.out().strip();
  }

  /** Reloads the page until CONDITION holds (the audit chain is written a moment after the decision). */
  private static void awaitOnRefresh(java.util.concurrent.Callable<Boolean> condition) {
    await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      if (condition.call()) {
        return true;
      }
      browser.navigate().refresh();
      return false;
    });
  }

  /** A send_whatsapp request (class B) of TENANT, submitted and waiting for approval. */
  private static String pendingRequest(String tenant, String payload) {
    return pendingRequest(tenant, null, payload);
  }

  /** ... as a step of FLOW (unless null). */
  private static String pendingRequest(String tenant, String flow, String payload) {
    List<String> args = new java.util.ArrayList<>(List.of("submit", "--tenant", tenant, "--action", "send_whatsapp", "--payload", payload));
    if (flow != null) {
      args.addAll(List.of("--flow", flow));
    }
    CliRun submit = setup.cli(args.toArray(String[]::new));
    assertEquals(0, submit.exitCode(), submit.toString());
    String id = submit.out().strip();
    String key = tenant.equals("acme") ? acmeKey : globexKey;
    await().atMost(Duration.ofSeconds(40)).until(() -> outcome(key, id).startsWith("PENDING_APPROVAL"));
    return id;
  }

  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

  /** The request's outcome as the gateway's status store holds it ("OUTCOME (REASON)"), or "" while it has none: cheaper to poll than the CLI. */
  private static String outcome(String apiKey, String id) throws Exception {
    HttpResponse<String> status = HTTP.send(java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + http.http().port() + "/v1/requests/" + id)).header("Authorization", "Bearer " + apiKey).build(),
        HttpResponse.BodyHandlers.ofString());
    if (status.statusCode() != 200) {
      return "";
    }
    com.fasterxml.jackson.databind.JsonNode body = new com.fasterxml.jackson.databind.ObjectMapper().readTree(status.body());
    return body.path("outcome").asText() + (body.path("reason").isTextual() ? " (" + body.get("reason").asText() + ")" : "");
  }

  private static String consoleUrl() {
    return "http://127.0.0.1:" + http.http().port() + "/console";
  }

  /** Opens the console in a fresh tab state and enters the API key as a user would. */
  private static void signIn(String apiKey) throws IOException {
    signIn(apiKey, null);
  }

  /** ... and takes a screenshot of the login form named SCREENSHOT, unless null. */
  private static void signIn(String apiKey, String screenshot) throws IOException {
    browser.get(consoleUrl());
    ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    browser.navigate().refresh();
    waitFor(By.id("api-key"));
    if (screenshot != null) {
      screenshot(screenshot);
    }
    browser.findElement(By.id("api-key")).sendKeys(apiKey);
    browser.findElement(By.id("use-key")).click();
    await().atMost(PAGE_WAIT).until(() -> browser.findElement(By.id("login")).getAttribute("hidden") != null);
  }

  private static void loadAlicesKey() {
    browser.findElement(By.id("key-file")).sendKeys(dir.resolve("keys/alice.key").toAbsolutePath().toString());
    await().atMost(PAGE_WAIT).until(() -> text("signer").startsWith("Signing as alice"));
    assertTrue(browser.findElement(By.id("approve")).isEnabled());
  }

  /** Clicks the element, finding it again if the page re-rendered it meanwhile. */
  private static void click(By by) {
    await().atMost(PAGE_WAIT).ignoreException(org.openqa.selenium.StaleElementReferenceException.class).until(() -> {
      browser.findElement(by).click();
      return true;
    });
  }

  private static WebElement waitFor(By by) {
    return await().atMost(PAGE_WAIT).until(() -> browser.findElements(by).stream().findFirst(), Optional::isPresent).orElseThrow();
  }

  /** The element's text, or "" while it is absent or being replaced (the pages re-render as statuses move). */
  private static String text(String id) {
    try {
      List<WebElement> found = browser.findElements(By.id(id));
      return found.isEmpty() ? "" : found.get(0).getText();
    } catch (org.openqa.selenium.StaleElementReferenceException rerendered) {
      return "";
    }
  }

  private static void screenshot(String name) throws IOException {
    File shot = browser.getScreenshotAs(OutputType.FILE);
    Files.copy(shot.toPath(), SCREENSHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static Optional<Path> onPath(String command) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(d -> Path.of(d, command)).filter(Files::isExecutable).findFirst();
  }
}
