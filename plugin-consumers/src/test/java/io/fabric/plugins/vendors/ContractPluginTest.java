package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.KEY;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ContractPluginTest {
  private static final String TOKEN = "eyJ0eXAiOiJNVCJ9.docusignSecret";
  private static final String ACCOUNT = "7a1c3b2e-0000-4000-8000-000000000001";
  private static final String ENVELOPES = "/restapi/v2.1/accounts/" + ACCOUNT + "/envelopes";
  private static final String TEXT = "Either party may terminate this Agreement with sixty (60) days' prior written notice. "
      + "Invoices are payable net 30.";
  private static final Map<String, Object> SEND = Map.of("document_name", "MSA", "text", TEXT, "subject", "Please sign the MSA",
      "signers", List.of(Map.of("name", "Ada Lovelace", "email", "ada@example.com")));
  private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private ContractPlugin plugin() {
    return new ContractPlugin(VendorConfig.ofKeys("contracts", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(), "account_id", ACCOUNT,
        "token", TOKEN)), Clock.fixed(NOW, ZoneOffset.UTC));
  }

  @Test
  void sendsAnEnvelopeTaggedWithTheIdempotencyKeyAndAnalysesTheText() throws TaskException {
    vendor.stubFor(post(ENVELOPES).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json").withBody("""
        {"envelopeId":"4b728be4-4b2c-4b8c-9d1d-000000000001","uri":"/envelopes/4b728be4-4b2c-4b8c-9d1d-000000000001",
         "statusDateTime":"2025-03-01T12:00:01.0000000Z","status":"sent"}""")));

    Map<String, Object> result = plugin().execute("acme", SEND, context("send_contract_for_signature"));

    Map<?, ?> envelope = (Map<?, ?>) result.get("contract_envelope");
    assertEquals("4b728be4-4b2c-4b8c-9d1d-000000000001", envelope.get("envelope_id"));
    assertEquals("sent", envelope.get("status"));
    assertEquals(false, envelope.get("recovered"));
    assertEquals(List.of("ada@example.com"), envelope.get("signers"));
    Map<?, ?> terms = (Map<?, ?>) ((Map<?, ?>) result.get("contract_analysis")).get("terms");
    assertEquals(60, terms.get("termination_notice_days"));
    assertEquals(30, terms.get("payment_net_days"));
    String base64 = Base64.getEncoder().encodeToString(TEXT.getBytes(StandardCharsets.UTF_8));
    vendor.verify(postRequestedFor(urlEqualTo(ENVELOPES))
        .withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withRequestBody(equalToJson("""
            {"emailSubject":"Please sign the MSA","status":"sent",
             "documents":[{"documentId":"1","name":"MSA","fileExtension":"txt","documentBase64":"%s"}],
             "recipients":{"signers":[{"recipientId":"1","routingOrder":"1","name":"Ada Lovelace","email":"ada@example.com"}]},
             "customFields":{"textCustomFields":[{"name":"fabric_idempotency_key","value":"%s","show":"false","required":"false"}]}}
            """.formatted(base64, KEY))));
    assertNoSecret(TOKEN, result);
  }

  @Test
  void anInDoubtSendFindsTheEnvelopeOfTheEarlierAttemptInsteadOfSendingAgain() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(ENVELOPES)).willReturn(okJson("""
        {"resultSetSize":"1","envelopes":[{"envelopeId":"env-1","status":"sent","statusChangedDateTime":"2025-03-01T11:59:00Z",
          "envelopeUri":"/envelopes/env-1"}]}""")));

    Map<?, ?> envelope = (Map<?, ?>) plugin().execute("acme", SEND, context("send_contract_for_signature", KEY, 2, true))
        .get("contract_envelope");

    assertEquals("env-1", envelope.get("envelope_id"));
    assertEquals(true, envelope.get("recovered"));
    vendor.verify(getRequestedFor(urlEqualTo(ENVELOPES + "?from_date=2025-01-30T12%3A00%3A00Z&custom_field=fabric_idempotency_key%3D"
        + KEY)).withHeader("Authorization", equalTo("Bearer " + TOKEN)));
    vendor.verify(exactly(0), postRequestedFor(urlEqualTo(ENVELOPES)));
  }

  @Test
  void anInDoubtSendWithNoEarlierEnvelopeSendsOne() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(ENVELOPES)).willReturn(okJson("{\"resultSetSize\":\"0\"}")));
    vendor.stubFor(post(ENVELOPES).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
        .withBody("{\"envelopeId\":\"env-2\",\"status\":\"sent\"}")));

    Map<?, ?> envelope = (Map<?, ?>) plugin().execute("acme", SEND, context("send_contract_for_signature", KEY, 2, true))
        .get("contract_envelope");

    assertEquals("env-2", envelope.get("envelope_id"));
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo(ENVELOPES)));
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 503})
  void throttlingAndOutagesAreRetryable(int status) {
    vendor.stubFor(post(ENVELOPES).willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("{\"errorCode\":\"HOURLY_APIINVOCATION_LIMIT_EXCEEDED\",\"message\":\"The maximum number of hourly API invocations has been exceeded.\"}")));

    assertThrows(RetryableTaskException.class, () -> plugin().execute("acme", SEND, context("send_contract_for_signature")));
  }

  @Test
  void aBadEnvelopeIsPermanentWithDocuSignsMessage() {
    vendor.stubFor(post(ENVELOPES).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"errorCode\":\"INVALID_EMAIL_ADDRESS_FOR_RECIPIENT\",\"message\":\"The email address for the recipient is invalid.\"}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().execute("acme", SEND, context("send_contract_for_signature")));

    assertTrue(e.getMessage().endsWith("HTTP 400: INVALID_EMAIL_ADDRESS_FOR_RECIPIENT: The email address for the recipient is invalid."),
        e.getMessage());
    assertNoSecret(TOKEN, e);
  }

  @Test
  void compensationVoidsTheEnvelopeWithAReason() throws TaskException {
    vendor.stubFor(put(ENVELOPES + "/env-1").willReturn(okJson("{\"envelopeId\":\"env-1\"}")));

    Map<String, Object> result = plugin().compensate("acme", Map.of(), Map.of("contract_envelope", Map.of("envelope_id", "env-1")),
        context("send_contract_for_signature"));

    assertEquals(Map.of("contract_envelope_voided", Map.of("envelope_id", "env-1", "status", "voided",
        "voided_reason", "Rolled back by Execution Fabric (flow flow-7)")), result);
    vendor.verify(putRequestedFor(urlEqualTo(ENVELOPES + "/env-1")).withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withRequestBody(equalToJson("{\"status\":\"voided\",\"voidedReason\":\"Rolled back by Execution Fabric (flow flow-7)\"}")));
  }

  @Test
  void aSignedEnvelopeCannotBeVoided() {
    vendor.stubFor(put(ENVELOPES + "/env-1").willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"errorCode\":\"ENVELOPE_CANNOT_VOID_INVALID_STATE\",\"message\":\"Only envelopes in the 'Sent' or 'Delivered' states may be voided.\"}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin().compensate("acme", Map.of(),
        Map.of("contract_envelope", Map.of("envelope_id", "env-1")), context("send_contract_for_signature")));

    assertTrue(e.getMessage().contains("ENVELOPE_CANNOT_VOID_INVALID_STATE"), e.getMessage());
  }

  @Test
  void anInDoubtVoidOfAnAlreadyVoidedEnvelopeIsDone() throws TaskException {
    vendor.stubFor(get(ENVELOPES + "/env-1").willReturn(okJson("{\"envelopeId\":\"env-1\",\"status\":\"voided\",\"voidedReason\":\"r\"}")));

    Map<String, Object> result = plugin().compensate("acme", Map.of(), Map.of("contract_envelope", Map.of("envelope_id", "env-1")),
        context("send_contract_for_signature", "compensate-req-7", 2, true));

    assertEquals("voided", ((Map<?, ?>) result.get("contract_envelope_voided")).get("status"));
    vendor.verify(exactly(0), putRequestedFor(urlEqualTo(ENVELOPES + "/env-1")));
  }

  @Test
  void analysisIsLocalAndNeedsNoConfiguration() throws TaskException {
    ContractPlugin unconfigured = new ContractPlugin(VendorConfig.ofKeys("contracts", Map.of()));

    Map<String, Object> result = unconfigured.execute("acme", Map.of("text", TEXT), context("analyze_contract"));

    assertEquals(List.of("payment_terms", "termination"), ((Map<?, ?>) result.get("contract_analysis")).get("found"));
    assertEquals(0, vendor.getAllServeEvents().size());
  }

  @Test
  void declaresLookupAndThatOnlyASendIsCompensable() {
    assertEquals(InDoubtSupport.LOOKUP, plugin().inDoubtSupport());
    assertTrue(plugin().compensable("send_contract_for_signature"));
    assertFalse(plugin().compensable("analyze_contract"));
  }
}
