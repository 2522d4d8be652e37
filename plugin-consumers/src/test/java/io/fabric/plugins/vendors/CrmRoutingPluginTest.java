package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.KEY;
import static io.fabric.plugins.vendors.VendorTesting.assertNoSecret;
import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CrmRoutingPluginTest {
  private static final String TOKEN = "00Dxx0000001gPL!AQ4AQroutingSecret";
  private static final String LEAD = "/services/data/v60.0/sobjects/Lead/External_Id__c/L-42";
  private static final String READ = LEAD + "?fields=Id%2COwnerId%2CFabric_Routing_Key__c%2CFabric_Previous_Owner__c";
  private static final String OLD_OWNER = "005R00000000OldAAA";
  private static final String NEW_OWNER = "005R00000000NewAAA";
  private static final Map<String, Object> PAYLOAD = Map.of("external_id", "L-42", "owner_id", NEW_OWNER);

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private CrmRoutingPlugin plugin() {
    return new CrmRoutingPlugin(VendorConfig.ofKeys("crm-routing", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(), "token", TOKEN)));
  }

  private static String lead(String owner, String routingKey, String previous) {
    return """
        {"attributes":{"type":"Lead","url":"/services/data/v60.0/sobjects/Lead/00QR0000001abcDEF"},"Id":"00QR0000001abcDEF",
         "OwnerId":"%s","Fabric_Routing_Key__c":%s,"Fabric_Previous_Owner__c":%s}"""
        .formatted(owner, routingKey == null ? "null" : "\"" + routingKey + "\"", previous == null ? "null" : "\"" + previous + "\"");
  }

  private static Map<String, Object> result() {
    Map<String, Object> routing = new LinkedHashMap<>();
    routing.put("lead_id", "00QR0000001abcDEF");
    routing.put("sobject", "Lead");
    routing.put("external_id_field", "External_Id__c");
    routing.put("external_id", "L-42");
    routing.put("owner_id", NEW_OWNER);
    routing.put("previous_owner_id", OLD_OWNER);
    routing.put("routing_key", KEY);
    routing.put("recovered", false);
    return routing;
  }

  @Test
  void readsThePreviousOwnerThenUpsertsTheNewOneWithItsBookkeeping() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(okJson(lead(OLD_OWNER, null, null))));
    vendor.stubFor(patch(urlEqualTo(LEAD)).willReturn(aResponse().withStatus(204)));

    Map<String, Object> result = plugin().execute("acme", PAYLOAD, context("modify_lead_routing"));

    assertEquals(Map.of("lead_routing", result()), result);
    vendor.verify(getRequestedFor(urlEqualTo(READ)).withHeader("Authorization", equalTo("Bearer " + TOKEN)));
    vendor.verify(patchRequestedFor(urlEqualTo(LEAD))
        .withHeader("Authorization", equalTo("Bearer " + TOKEN))
        .withHeader("Sforce-Auto-Assign", equalTo("FALSE"))
        .withRequestBody(equalToJson("""
            {"OwnerId":"%s","Fabric_Routing_Key__c":"%s","Fabric_Previous_Owner__c":"%s"}""".formatted(NEW_OWNER, KEY, OLD_OWNER))));
    assertNoSecret(TOKEN, result);
  }

  @Test
  void anInDoubtChangeThatLandedIsFoundByItsKeyAndKeepsTheTruePreviousOwner() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(okJson(lead(NEW_OWNER, KEY, OLD_OWNER))));

    Map<?, ?> routing = (Map<?, ?>) plugin().execute("acme", PAYLOAD, context("modify_lead_routing", KEY, 2, true)).get("lead_routing");

    assertEquals(OLD_OWNER, routing.get("previous_owner_id"), "not the owner the lost attempt set");
    assertEquals(true, routing.get("recovered"));
    vendor.verify(exactly(0), patchRequestedFor(urlEqualTo(LEAD)));
  }

  @Test
  void anInDoubtChangeThatNeverLandedIsMadeNow() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(okJson(lead(OLD_OWNER, "an-older-change", "005R00000000XyzAAA"))));
    vendor.stubFor(patch(urlEqualTo(LEAD)).willReturn(aResponse().withStatus(204)));

    Map<?, ?> routing = (Map<?, ?>) plugin().execute("acme", PAYLOAD, context("modify_lead_routing", KEY, 2, true)).get("lead_routing");

    assertEquals(OLD_OWNER, routing.get("previous_owner_id"));
    assertEquals(false, routing.get("recovered"));
    vendor.verify(exactly(1), patchRequestedFor(urlEqualTo(LEAD)));
    assertEquals(InDoubtSupport.LOOKUP, plugin().inDoubtSupport());
  }

  @Test
  void anUnknownLeadIsPermanentWithSalesforcesMessage() {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(aResponse().withStatus(404).withHeader("Content-Type", "application/json")
        .withBody("[{\"errorCode\":\"NOT_FOUND\",\"message\":\"The requested resource does not exist\"}]")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().execute("acme", PAYLOAD, context("modify_lead_routing")));

    assertTrue(e.getMessage().endsWith("HTTP 404: NOT_FOUND: The requested resource does not exist"), e.getMessage());
    vendor.verify(exactly(0), patchRequestedFor(urlEqualTo(LEAD)));
  }

  @Test
  void anInvalidOwnerIsPermanentWithSalesforcesMessage() {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(okJson(lead(OLD_OWNER, null, null))));
    vendor.stubFor(patch(urlEqualTo(LEAD)).willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("[{\"errorCode\":\"FIELD_INTEGRITY_EXCEPTION\",\"message\":\"Owner ID: owner cannot be blank\",\"fields\":[\"OwnerId\"]}]")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin().execute("acme", PAYLOAD, context("modify_lead_routing")));

    assertTrue(e.getMessage().contains("FIELD_INTEGRITY_EXCEPTION"), e.getMessage());
    assertNoSecret(TOKEN, e);
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 500, 503})
  void throttlingAndOutagesAreRetryable(int status) {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(okJson(lead(OLD_OWNER, null, null))));
    vendor.stubFor(patch(urlEqualTo(LEAD)).willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("[{\"message\":\"TotalRequests Limit exceeded.\",\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"}]")));

    assertThrows(RetryableTaskException.class, () -> plugin().execute("acme", PAYLOAD, context("modify_lead_routing")));
  }

  @Test
  void anOwnerThatIsNoRecordIdIsRefusedBeforeAnyCall() {
    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin().execute("acme",
        Map.of("external_id", "L-42", "owner_id", "ada@example.com"), context("modify_lead_routing")));

    assertTrue(e.getMessage().contains("'owner_id' must be a Salesforce record id"), e.getMessage());
    assertEquals(0, vendor.getAllServeEvents().size());
  }

  @Test
  void compensationRestoresThePreviousOwnerRecordedInTheResult() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(okJson(lead(NEW_OWNER, KEY, OLD_OWNER))));
    vendor.stubFor(patch(urlEqualTo(LEAD)).willReturn(aResponse().withStatus(204)));

    Map<String, Object> restored = plugin().compensate("acme", Map.of(), Map.of("lead_routing", result()),
        context("modify_lead_routing", "compensate-req-7", 1, false));

    assertEquals(Map.of("lead_routing_restored", Map.of("external_id", "L-42", "owner_id", OLD_OWNER, "replaced_owner_id", NEW_OWNER)),
        restored);
    vendor.verify(patchRequestedFor(urlEqualTo(LEAD)).withRequestBody(equalToJson("""
        {"OwnerId":"%s","Fabric_Routing_Key__c":"compensate-req-7","Fabric_Previous_Owner__c":"%s"}""".formatted(OLD_OWNER, NEW_OWNER))));
  }

  @Test
  void aRepeatedCompensationThatLandedIsDone() throws TaskException {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(okJson(lead(OLD_OWNER, "compensate-req-7", NEW_OWNER))));

    plugin().compensate("acme", Map.of(), Map.of("lead_routing", result()), context("modify_lead_routing", "compensate-req-7", 2, true));

    vendor.verify(exactly(0), patchRequestedFor(urlEqualTo(LEAD)));
  }

  @Test
  void aLeadReRoutedSinceIsNotTakenBack() {
    vendor.stubFor(get(urlPathEqualTo(LEAD)).willReturn(okJson(lead("005R00000000ThdAAA", null, null))));

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin().compensate("acme", Map.of(),
        Map.of("lead_routing", result()), context("modify_lead_routing", "compensate-req-7", 1, false)));

    assertTrue(e.getMessage().contains("was re-routed since"), e.getMessage());
    vendor.verify(exactly(0), patchRequestedFor(urlEqualTo(LEAD)));
  }
}
