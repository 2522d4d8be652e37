package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.ok;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.KEY;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.config;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WebhookPluginTest {
  private static final String SECRET = "whsec_signingSecret0123";
  /** The path of many real webhook URLs is itself a credential (Slack, Teams): it must not leak either. */
  private static final String PATH = "/hooks/T000/B000/pathTokenXYZ";
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
  private static final Map<String, Object> PAYLOAD = Map.of("event", "order.shipped", "data", Map.of("order", "o-42"));

  @RegisterExtension
  final StubbedVendor receiver = new StubbedVendor();

  private WebhookPlugin plugin(Map<String, String> overrides) {
    return new WebhookPlugin(config("webhook", Map.of("url", receiver.baseUrl() + PATH, "secret", SECRET), overrides),
        Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void postsASignedEventWithTheIdempotencyKey() throws Exception {
    receiver.stubFor(post(PATH).willReturn(ok("{\"received\":true}")));

    Map<String, Object> result = plugin(Map.of()).execute("acme", PAYLOAD, context("webhook"));

    String host = host();
    assertEquals(Map.of("webhook_delivery", Map.of("status_code", 200, "host", host, "signed_at", NOW.getEpochSecond(),
        "idempotency_key", KEY, "type", "order.shipped")), result);
    receiver.verify(postRequestedFor(urlEqualTo(PATH))
        .withHeader("Idempotency-Key", equalTo(KEY))
        .withHeader("Content-Type", equalTo("application/json"))
        .withRequestBody(equalToJson("""
            {"idempotency_key":"%s","type":"order.shipped","created":%d,"tenant_id":"acme","flow_id":"flow-7",
             "request_id":"req-7","data":{"order":"o-42"}}""".formatted(KEY, NOW.getEpochSecond()))));
    LoggedRequest sent = receiver.findAll(postRequestedFor(urlEqualTo(PATH))).get(0);
    String body = sent.getBodyAsString();
    String expectedHmac = hmacSha256Hex(SECRET, NOW.getEpochSecond() + "." + body);
    assertEquals("t=" + NOW.getEpochSecond() + ",v1=" + expectedHmac, sent.getHeader("Fabric-Signature"));
    assertTrue(WebhookSignature.verify(SECRET, sent.getHeader("Fabric-Signature"), body, NOW.plusSeconds(10), Duration.ofMinutes(5)));
    assertNoSecret(SECRET, result);
    assertNoSecret("pathTokenXYZ", result);
  }

  @Test
  void aSignatureFailsForAnotherBodyAnotherSecretOrAnOldTimestamp() {
    String header = WebhookSignature.sign(SECRET, NOW.getEpochSecond(), "{\"a\":1}");
    Duration tolerance = WebhookSignature.DEFAULT_TOLERANCE;

    assertTrue(WebhookSignature.verify(SECRET, header, "{\"a\":1}", NOW, tolerance));
    assertFalse(WebhookSignature.verify(SECRET, header, "{\"a\":2}", NOW, tolerance));
    assertFalse(WebhookSignature.verify("whsec_other", header, "{\"a\":1}", NOW, tolerance));
    assertFalse(WebhookSignature.verify(SECRET, header, "{\"a\":1}", NOW.plus(Duration.ofMinutes(6)), tolerance));
    assertFalse(WebhookSignature.verify(SECRET, "v1=" + header.substring(header.indexOf("v1=") + 3), "{\"a\":1}", NOW, tolerance));
    assertFalse(WebhookSignature.verify(SECRET, null, "{\"a\":1}", NOW, tolerance));
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 502, 503})
  void throttlingAndOutagesAreRetryable(int status) {
    receiver.stubFor(post(PATH).willReturn(aResponse().withStatus(status).withBody("busy")));

    RetryableTaskException e = assertThrows(RetryableTaskException.class, () -> plugin(Map.of()).execute("acme", PAYLOAD, context("webhook")));

    assertNoSecret("pathTokenXYZ", e);
  }

  @Test
  void aRefusalIsPermanentKeepsTheReceiversMessageAndHidesTheUrlPath() {
    receiver.stubFor(post(PATH).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":\"invalid_payload\",\"error_description\":\"order is required\"}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin(Map.of()).execute("acme", PAYLOAD, context("webhook")));

    assertEquals("webhook: POST to " + host() + " returned HTTP 400: invalid_payload: order is required", e.getMessage());
    assertNoSecret("pathTokenXYZ", e);
    assertNoSecret(SECRET, e);
  }

  @Test
  void aLostResponseIsRetriedOnlyWhenTheReceiverDeduplicates() {
    receiver.stubFor(post(PATH).willReturn(ok().withFixedDelay(1_500)));

    assertThrows(RetryableTaskException.class,
        () -> plugin(Map.of("request_timeout_ms", "200")).execute("acme", PAYLOAD, context("webhook")));
    WebhookPlugin trusting = plugin(Map.of("request_timeout_ms", "200", "receiver_deduplicates", "false"));
    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> trusting.execute("acme", PAYLOAD, context("webhook")));
    assertTrue(e.getMessage().contains("outcome is unknown"), e.getMessage());
    assertEquals(InDoubtSupport.NONE, trusting.inDoubtSupport());
    assertEquals(InDoubtSupport.VENDOR_IDEMPOTENCY, plugin(Map.of()).inDoubtSupport());
  }

  @Test
  void withoutDataTheWholePayloadIsSent() throws TaskException {
    receiver.stubFor(post(PATH).willReturn(ok()));

    plugin(Map.of()).execute("acme", Map.of("order", "o-1"), context("webhook"));

    receiver.verify(postRequestedFor(urlEqualTo(PATH)).withRequestBody(equalToJson(
        "{\"type\":\"fabric.task\",\"data\":{\"order\":\"o-1\"}}", true, true)));
  }

  @Test
  void theUrlAndSecretMustBeConfigured() {
    WebhookPlugin plugin = new WebhookPlugin(VendorConfig.ofKeys("webhook", Map.of()));

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin.execute("acme", PAYLOAD, context("webhook")));

    assertEquals("webhook plugin is not configured: set FABRIC_WEBHOOK_URL, FABRIC_WEBHOOK_SECRET (or system properties "
        + "fabric.plugin.webhook.url, fabric.plugin.webhook.secret)", e.getMessage());
  }

  private String host() {
    return java.net.URI.create(receiver.baseUrl()).getHost() + ":" + receiver.port();
  }

  private static String hmacSha256Hex(String secret, String text) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
  }
}
