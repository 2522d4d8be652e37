package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The console's files as the gateway serves them: a fixed list, each with its content type and a
 * Content-Security-Policy that allows this origin only; behind the same Host check as the API; and
 * pages that load nothing from elsewhere and run no inline script (so the policy can forbid it).
 */
class ConsolePagesTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private HttpGateway gateway;

  @BeforeEach
  void start() {
    String key = ApiKeys.newKey();
    gateway = HttpGateway.start(GatewayConfig.defaults("127.0.0.1", 0), new HttpGateway.Backend(
        ApiKeys.of(Map.of(ApiKeys.sha256Hex(key), new Caller("ops", java.util.Set.of("acme")))), null, null, null, () -> null, null, null,
        () -> new HttpGateway.Health(true, Map.of()), System::currentTimeMillis));
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void thePageAndEveryFileAreServedWithTheirTypeAndAPolicyThatAllowsThisOriginOnly() throws Exception {
    for (String path : List.of("/console", "/console/")) {
      HttpResponse<String> page = get(path);
      assertEquals(200, page.statusCode(), path);
      assertEquals("text/html;charset=utf-8", page.headers().firstValue("Content-Type").orElse(""));
      assertTrue(page.body().contains("<script type=\"module\" src=\"/console/console.js\"></script>"), page.body());
      assertSecured(page);
    }
    for (Map.Entry<String, String> file : ConsolePages.FILES.entrySet()) {
      if (file.getKey().equals("index.html")) {
        continue;
      }
      HttpResponse<String> asset = get("/console/" + file.getKey());
      assertEquals(200, asset.statusCode(), file.getKey());
      assertEquals(file.getValue(), asset.headers().firstValue("Content-Type").orElse(""), file.getKey());
      assertEquals(new String(ConsolePages.read(file.getKey()), StandardCharsets.UTF_8), asset.body());
      assertSecured(asset);
    }
  }

  @Test
  void noOtherFileIsReachableAndTheHostCheckGuardsTheConsoleToo() throws Exception {
    for (String path : List.of("/console/nope.js", "/console/..%2Fio%2Ffabric%2Fgateway%2Fhttp%2Fopenapi.json", "/console/index.html")) {
      HttpResponse<String> answer = get(path);
      assertEquals(404, answer.statusCode(), path + ": " + answer.body());
    }
    assertEquals(421, statusWithHost("/console", "evil.example"), "a rebinding page cannot load the console");
    assertEquals(421, statusWithHost("/console/console.js", "evil.example"));
    assertEquals(200, statusWithHost("/console", "localhost"));
  }

  @Test
  void thePagesLoadOnlyConsoleFilesAndRunNoInlineScript() {
    String html = text("index.html");
    Matcher tags = Pattern.compile("<script\\b([^>]*)>(.*?)</script>", Pattern.DOTALL).matcher(html);
    int scripts = 0;
    while (tags.find()) {
      scripts++;
      assertTrue(tags.group(1).contains("src=\"/console/"), "a script from the console's files: " + tags.group());
      assertEquals("", tags.group(2).strip(), "no inline script: " + tags.group());
    }
    assertEquals(1, scripts);
    assertFalse(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "no inline event handler");
    assertFalse(html.contains(" style="), "no inline style (the policy forbids it)");
    Matcher links = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(html);
    while (links.find()) {
      String target = links.group(1);
      assertTrue(target.startsWith("#") || ConsolePages.FILES.containsKey(target.replaceFirst("^/console/", "")) && target.startsWith("/console/"),
          "loads only console files: " + target);
    }
    for (String script : List.of("console.js", "approval-token.js")) {
      String js = text(script);
      assertFalse(js.contains("http://") || js.contains("https://"), script + " talks to this origin only");
      assertFalse(js.contains("innerHTML") || js.contains("eval(") || js.contains("new Function"), script + " never turns data into code or markup");
      Matcher imports = Pattern.compile("from '([^']+)'").matcher(js);
      while (imports.find()) {
        assertTrue(ConsolePages.FILES.containsKey(imports.group(1).replaceFirst("^/console/", "")), script + " imports " + imports.group(1));
      }
    }
  }

  private static void assertSecured(HttpResponse<String> answer) {
    assertEquals(ConsolePages.CONTENT_SECURITY_POLICY, answer.headers().firstValue("Content-Security-Policy").orElse(""));
    assertTrue(ConsolePages.CONTENT_SECURITY_POLICY.startsWith("default-src 'self'; script-src 'self';"));
    assertEquals("nosniff", answer.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertEquals("DENY", answer.headers().firstValue("X-Frame-Options").orElse(""));
    assertEquals("no-referrer", answer.headers().firstValue("Referrer-Policy").orElse(""));
  }

  private static String text(String file) {
    return new String(ConsolePages.read(file), StandardCharsets.UTF_8);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Java's HTTP client will not send another Host header, so this one is written by hand. */
  private int statusWithHost(String path, String host) throws Exception {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.port())) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String statusLine = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
      return Integer.parseInt(statusLine.split(" ")[1]);
    }
  }
}
