package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VoicePluginTest {
  private static final String SID = "AC0123456789abcdef0123456789abcdef";
  private static final String AUTH_TOKEN = "twilioAuthTokenSecret42";
  private static final String CALLS = "/2010-04-01/Accounts/" + SID + "/Calls.json";
  private static final String CALL = "/2010-04-01/Accounts/" + SID + "/Calls/CA42.json";
  private static final String BASIC = "Basic " + Base64.getEncoder().encodeToString((SID + ":" + AUTH_TOKEN).getBytes(StandardCharsets.UTF_8));
  private static final Map<String, Object> RESULT = Map.of("voice_call", Map.of("call_sid", "CA42", "status", "queued"));

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private VoicePlugin plugin() {
    return new VoicePlugin(VendorConfig.ofKeys("voice", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(),
        "account_sid", SID, "auth_token", AUTH_TOKEN, "from", "+15005550006")));
  }

  @Test
  void placesACallWithBasicAuthAndReturnsItsSid() throws TaskException {
    vendor.stubFor(post(CALLS).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("""
        {"sid":"CA42","account_sid":"%s","to":"+15550100","from":"+15005550006","status":"queued"}""".formatted(SID))));

    Map<String, Object> result = plugin().execute("acme", Map.of("to", "+15550100", "url", "https://example.com/twiml.xml"),
        context("trigger_voice_call"));

    assertEquals(Map.of("voice_call", Map.of("call_sid", "CA42", "status", "queued", "to", "+15550100", "from", "+15005550006")),
        result);
    vendor.verify(postRequestedFor(urlEqualTo(CALLS))
        .withHeader("Authorization", equalTo(BASIC))
        .withHeader("Content-Type", equalTo("application/x-www-form-urlencoded"))
        .withRequestBody(equalTo("To=%2B15550100&From=%2B15005550006&Url=https%3A%2F%2Fexample.com%2Ftwiml.xml")));
    assertNoSecret(AUTH_TOKEN, result);
  }

  @Test
  void aSayPayloadBecomesEscapedTwiml() throws TaskException {
    vendor.stubFor(post(CALLS).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
        .withBody("{\"sid\":\"CA43\",\"status\":\"queued\"}")));

    plugin().execute("acme", Map.of("to", "+15550100", "say", "Q&A <today>"), context("trigger_voice_call"));

    vendor.verify(postRequestedFor(urlEqualTo(CALLS)).withFormParam("Twiml",
        equalTo("<Response><Say>Q&amp;A &lt;today&gt;</Say></Response>")));
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 503})
  void throttlingAndOutagesAreRetryable(int status) {
    vendor.stubFor(post(CALLS).willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("{\"code\":20429,\"message\":\"Too Many Requests\",\"status\":" + status + "}")));

    assertThrows(RetryableTaskException.class,
        () -> plugin().execute("acme", Map.of("to", "+15550100", "url", "https://x.test/t.xml"), context("trigger_voice_call")));
  }

  @Test
  void anInvalidNumberIsPermanentWithTwiliosMessage() {
    vendor.stubFor(post(CALLS).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json").withBody("""
        {"code":21211,"message":"The 'To' number 5550100 is not a valid phone number.",
         "more_info":"https://www.twilio.com/docs/errors/21211","status":400}""")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().execute("acme", Map.of("to", "5550100", "url", "https://x.test/t.xml"), context("trigger_voice_call")));

    assertTrue(e.getMessage().endsWith("HTTP 400: 21211: The 'To' number 5550100 is not a valid phone number."), e.getMessage());
    assertNoSecret(AUTH_TOKEN, e);
  }

  @Test
  void compensationCancelsACallThatWasNotAnswered() throws TaskException {
    vendor.stubFor(post(CALL).willReturn(okJson("{\"sid\":\"CA42\",\"status\":\"canceled\"}")));

    Map<String, Object> result = plugin().compensate("acme", Map.of(), RESULT, context("trigger_voice_call"));

    assertEquals(Map.of("voice_call_canceled", Map.of("call_sid", "CA42", "status", "canceled")), result);
    vendor.verify(postRequestedFor(urlEqualTo(CALL)).withHeader("Authorization", equalTo(BASIC))
        .withRequestBody(equalTo("Status=canceled")));
  }

  @Test
  void anAnsweredCallIsHungUpAndTheCompensationFails() {
    vendor.stubFor(post(CALL).inScenario("call").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(okJson("{\"sid\":\"CA42\",\"status\":\"in-progress\"}")).willSetStateTo("hung up"));
    vendor.stubFor(post(CALL).inScenario("call").whenScenarioStateIs("hung up")
        .willReturn(okJson("{\"sid\":\"CA42\",\"status\":\"completed\"}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().compensate("acme", Map.of(), RESULT, context("trigger_voice_call")));

    assertTrue(e.getMessage().contains("was answered before it could be canceled"), e.getMessage());
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo(CALL)).withRequestBody(equalTo("Status=canceled")));
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo(CALL)).withRequestBody(equalTo("Status=completed")));
  }

  @Test
  void aFinishedCallCannotBeCompensated() {
    vendor.stubFor(post(CALL).willReturn(okJson("{\"sid\":\"CA42\",\"status\":\"completed\"}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().compensate("acme", Map.of(), RESULT, context("trigger_voice_call")));

    assertTrue(e.getMessage().contains("is completed"), e.getMessage());
  }

  @Test
  void declaresCompensationButNoInDoubtRetry() {
    assertTrue(plugin().compensable("trigger_voice_call"));
    assertEquals(InDoubtSupport.NONE, plugin().inDoubtSupport());
  }

  @Test
  void aCallNeedsSomethingToPlay() {
    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().execute("acme", Map.of("to", "+15550100"), context("trigger_voice_call")));

    assertTrue(e.getMessage().contains("FABRIC_VOICE_TWIML_URL"), e.getMessage());
  }
}
