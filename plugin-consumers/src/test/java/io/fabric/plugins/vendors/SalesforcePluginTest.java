package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SalesforcePluginTest {
  private static final String TOKEN = "00Dxx0000001gPL!AQ4AQsalesforceSecret";
  private static final String PATH = "/services/data/v60.0/sobjects/Contact/Fabric_Id__c/ACME%2042";
  private static final Map<String, Object> PAYLOAD = Map.of("sobject", "Contact", "external_id_field", "Fabric_Id__c",
      "external_id", "ACME 42", "fields", Map.of("LastName", "Lovelace", "Email", "ada@example.com"));

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private SalesforcePlugin plugin(Map<String, String> overrides) {
    return new SalesforcePlugin(config("salesforce", Map.of(VendorConfig.BASE_URL, vendor.baseUrl() + "/", "token", TOKEN), overrides));
  }

  @Test
  void upsertsByExternalIdAndReportsACreatedRecord() throws TaskException {
    vendor.stubFor(patch(PATH).willReturn(aResponse().withStatus(201).withHeader("Content-Type", "application/json")
        .withBody("{\"id\":\"003R000000A1b2C\",\"success\":true,\"errors\":[],\"created\":true}")));

    Map<String, Object> result = plugin(Map.of()).execute("acme", PAYLOAD, context("sync_salesforce"));

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("id", "003R000000A1b2C");
    expected.put("created", true);
    expected.put("sobject", "Contact");
    expected.put("external_id_field", "Fabric_Id__c");
    expected.put("external_id", "ACME 42");
    assertEquals(Map.of("salesforce_record", expected), result);
    vendor.verify(patchRequestedFor(urlEqualTo(PATH))
        .withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withHeader("Content-Type", equalTo("application/json"))
        .withRequestBody(equalToJson("{\"LastName\":\"Lovelace\",\"Email\":\"ada@example.com\"}")));
    assertNoSecret(TOKEN, result);
  }

  @Test
  void anUpdateIsReportedAsNotCreated() throws TaskException {
    vendor.stubFor(patch(PATH).willReturn(okJson("{\"id\":\"003R000000A1b2C\",\"success\":true,\"errors\":[],\"created\":false}")));

    Map<?, ?> record = (Map<?, ?>) plugin(Map.of()).execute("acme", PAYLOAD, context("sync_salesforce")).get("salesforce_record");

    assertEquals("003R000000A1b2C", record.get("id"));
    assertEquals(false, record.get("created"));
  }

  @Test
  void olderApiVersionsAnswerAnUpdateWithNoContent() throws TaskException {
    vendor.stubFor(patch("/services/data/v45.0/sobjects/Contact/Fabric_Id__c/ACME%2042").willReturn(aResponse().withStatus(204)));

    Map<?, ?> record = (Map<?, ?>) plugin(Map.of("api_version", "v45.0")).execute("acme", PAYLOAD, context("sync_salesforce"))
        .get("salesforce_record");

    assertEquals(false, record.get("created"));
    assertFalse(record.containsKey("id"));
  }

  @Test
  void defaultsComeFromTheConfiguration() throws TaskException {
    vendor.stubFor(patch("/services/data/v60.0/sobjects/Account/External_Id__c/A-1")
        .willReturn(okJson("{\"id\":\"001R0000001\",\"created\":false}")));

    plugin(Map.of()).execute("acme", Map.of("external_id", "A-1", "fields", Map.of("Name", "Acme")), context("sync_salesforce"));

    vendor.verify(patchRequestedFor(urlEqualTo("/services/data/v60.0/sobjects/Account/External_Id__c/A-1")));
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 503})
  void throttlingAndUnavailabilityAreRetryable(int status) {
    vendor.stubFor(patch(PATH).willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("[{\"message\":\"TotalRequests Limit exceeded.\",\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"}]")));

    RetryableTaskException e = assertThrows(RetryableTaskException.class,
        () -> plugin(Map.of()).execute("acme", PAYLOAD, context("sync_salesforce")));

    assertTrue(e.getMessage().endsWith("REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."), e.getMessage());
  }

  @Test
  void aBadFieldIsPermanentWithSalesforcesMessage() {
    vendor.stubFor(patch(PATH).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("[{\"message\":\"No such column 'Emial' on sobject of type Contact\",\"errorCode\":\"INVALID_FIELD\"}]")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", PAYLOAD, context("sync_salesforce")));

    assertEquals("salesforce: PATCH " + PATH + " returned HTTP 400: INVALID_FIELD: No such column 'Emial' on sobject of type Contact",
        e.getMessage());
  }

  @Test
  void aLostResponseIsRetriedBecauseAnUpsertIsIdempotent() {
    vendor.stubFor(patch(PATH).willReturn(okJson("{\"id\":\"003\",\"created\":true}").withFixedDelay(1_500)));

    assertThrows(RetryableTaskException.class,
        () -> plugin(Map.of("request_timeout_ms", "200")).execute("acme", PAYLOAD, context("sync_salesforce")));
  }

  @Test
  void anInDoubtUpsertIsSimplyRepeatedAndNothingIsCompensable() {
    SalesforcePlugin plugin = plugin(Map.of());

    assertEquals(InDoubtSupport.VENDOR_IDEMPOTENCY, plugin.inDoubtSupport());
    assertFalse(plugin.compensable("sync_salesforce"));
  }

  @Test
  void anSObjectNameThatIsNotAnApiNameIsRefusedBeforeAnyCall() {
    Map<String, Object> payload = new HashMap<>(PAYLOAD);
    payload.put("sobject", "../query");

    assertThrows(PermanentTaskException.class, () -> plugin(Map.of()).execute("acme", payload, context("sync_salesforce")));
    assertEquals(0, vendor.getAllServeEvents().size());
  }

  @Test
  void theInstanceUrlMustBeConfigured() {
    SalesforcePlugin plugin = new SalesforcePlugin(VendorConfig.ofKeys("salesforce", Map.of("token", TOKEN)));

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin.execute("acme", PAYLOAD, context("sync_salesforce")));

    assertTrue(e.getMessage().startsWith("salesforce plugin is not configured: set FABRIC_SALESFORCE_BASE_URL"), e.getMessage());
    assertNoSecret(TOKEN, e);
  }
}
