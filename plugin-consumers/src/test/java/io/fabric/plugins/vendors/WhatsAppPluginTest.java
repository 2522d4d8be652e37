package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.config;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class WhatsAppPluginTest {
  private static final String TOKEN = "EAAGwhatsappSecretToken123";
  private static final String PATH = "/v21.0/1098765/messages";
  private static final Map<String, Object> PAYLOAD = Map.of("to", "+15550100", "text", "Your order shipped");

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private WhatsAppPlugin plugin(Map<String, String> overrides) {
    return new WhatsAppPlugin(config("whatsapp", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(), "token", TOKEN,
        "phone_number_id", "1098765"), overrides));
  }

  @Test
  void sendsATextMessageAndReturnsTheMessageId() throws TaskException {
    vendor.stubFor(post(PATH).willReturn(okJson("""
        {"messaging_product":"whatsapp","contacts":[{"input":"+15550100","wa_id":"15550100"}],
         "messages":[{"id":"wamid.HBgLMTU1NTAxMDA","message_status":"accepted"}]}""")));

    Map<String, Object> result = plugin(Map.of()).execute("acme", PAYLOAD, context("send_whatsapp"));

    assertEquals(Map.of("whatsapp_message", Map.of("message_id", "wamid.HBgLMTU1NTAxMDA", "to", "+15550100",
        "wa_id", "15550100", "status", "accepted")), result);
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo(PATH))
        .withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withHeader("Content-Type", equalTo("application/json"))
        .withRequestBody(equalToJson("""
            {"messaging_product":"whatsapp","to":"+15550100","type":"text","text":{"body":"Your order shipped"}}""")));
    assertNoSecret(TOKEN, result);
  }

  @Test
  void sendsATemplateWhenThePayloadNamesOne() throws TaskException {
    vendor.stubFor(post(PATH).willReturn(okJson("{\"messages\":[{\"id\":\"wamid.T1\"}]}")));

    plugin(Map.of()).execute("acme", Map.of("to", "+15550100", "template", Map.of("name", "order_update", "language", "de")),
        context("send_whatsapp"));

    vendor.verify(postRequestedFor(urlEqualTo(PATH)).withRequestBody(equalToJson("""
        {"messaging_product":"whatsapp","to":"+15550100","type":"template",
         "template":{"name":"order_update","language":{"code":"de"}}}""")));
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 503})
  void throttlingAndServerErrorsAreRetryable(int status) {
    vendor.stubFor(post(PATH).willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"message\":\"(#80007) Rate limit hit\",\"type\":\"OAuthException\",\"code\":80007}}")));

    RetryableTaskException e = assertThrows(RetryableTaskException.class,
        () -> plugin(Map.of()).execute("acme", PAYLOAD, context("send_whatsapp")));

    assertTrue(e.getMessage().contains("HTTP " + status), e.getMessage());
    assertTrue(e.getMessage().contains("(#80007) Rate limit hit"), e.getMessage());
  }

  @Test
  void aBadRequestIsPermanentAndKeepsGraphsMessage() {
    vendor.stubFor(post(PATH).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json").withBody("""
        {"error":{"message":"(#131030) Recipient phone number not in allowed list","type":"OAuthException",
         "code":131030,"fbtrace_id":"Az8or"}}""")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", PAYLOAD, context("send_whatsapp")));

    assertEquals("whatsapp: POST /v21.0/1098765/messages returned HTTP 400: 131030: (#131030) Recipient phone number not in "
        + "allowed list", e.getMessage());
  }

  @Test
  void aLostResponseIsNotRetriedBecauseTheSendCannotBeDeduplicated() {
    vendor.stubFor(post(PATH).willReturn(okJson("{\"messages\":[{\"id\":\"wamid.late\"}]}").withFixedDelay(3_000)));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of("request_timeout_ms", "200")).execute("acme", PAYLOAD, context("send_whatsapp")));

    assertTrue(e.getMessage().contains("outcome is unknown"), e.getMessage());
  }

  @Test
  void aRefusedConnectionIsRetryableSinceNothingWasSent() {
    WhatsAppPlugin plugin = plugin(Map.of(VendorConfig.BASE_URL, "http://127.0.0.1:" + VendorTesting.closedPort()));

    assertThrows(RetryableTaskException.class, () -> plugin.execute("acme", PAYLOAD, context("send_whatsapp")));
  }

  @Test
  void aTokenEchoedByTheVendorIsRedacted() {
    vendor.stubFor(post(PATH).willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"message\":\"Malformed access token " + TOKEN + "\",\"type\":\"OAuthException\",\"code\":190}}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", PAYLOAD, context("send_whatsapp")));

    assertNoSecret(TOKEN, e);
    assertTrue(e.getMessage().contains("Malformed access token ***"), e.getMessage());
  }

  @Test
  void aTokenEchoedWhereTheMessageIsCutIsNotLeakedInPart() {
    // red team: the message is cut to 500 characters; cut first, then redacted, the token's first characters survived
    String filler = "x".repeat(480);
    vendor.stubFor(post(PATH).willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"message\":\"" + filler + TOKEN + "\",\"type\":\"OAuthException\",\"code\":190}}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", PAYLOAD, context("send_whatsapp")));

    assertFalse(e.getMessage().contains(TOKEN.substring(0, 8)), e.getMessage());
  }

  @Test
  void missingCredentialsFailTheTaskWithWhatToSet() {
    WhatsAppPlugin plugin = new WhatsAppPlugin(VendorConfig.ofKeys("whatsapp", Map.of()));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin.execute("acme", PAYLOAD, context("send_whatsapp")));

    assertEquals("whatsapp plugin is not configured: set FABRIC_WHATSAPP_TOKEN, FABRIC_WHATSAPP_PHONE_NUMBER_ID "
        + "(or system properties fabric.plugin.whatsapp.token, fabric.plugin.whatsapp.phone_number_id)", e.getMessage());
  }

  @Test
  void aSentMessageCannotBeUndoneOrSafelyRepeated() {
    WhatsAppPlugin plugin = plugin(Map.of());

    assertFalse(plugin.compensable("send_whatsapp"));
    assertEquals(InDoubtSupport.NONE, plugin.inDoubtSupport());
    assertThrows(PermanentTaskException.class, () -> plugin.compensate("acme", Map.of(),
        Map.of("whatsapp_message", Map.of("message_id", "wamid.1")), context("send_whatsapp")));
  }

  @Test
  void aPayloadWithoutTextIsRefusedBeforeAnyCall() {
    assertThrows(PermanentTaskException.class, () -> plugin(Map.of()).execute("acme", Map.of("to", "+1555"), context("send_whatsapp")));
    assertEquals(0, vendor.getAllServeEvents().size());
  }
}
