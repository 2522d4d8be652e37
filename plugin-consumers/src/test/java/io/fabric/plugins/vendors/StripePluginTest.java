package io.fabric.plugins.vendors;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.exactly;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static io.fabric.plugins.vendors.VendorTesting.KEY;
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
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StripePluginTest {
  private static final String SECRET = "sk_test_51Hsupersecretstripekey";
  private static final Map<String, Object> CHARGE = Map.of("amount", 1200, "currency", "EUR", "customer", "cus_9",
      "payment_method", "pm_card_visa", "description", "Invoice 42");
  private static final String INTENT = """
      {"id":"pi_3N1","object":"payment_intent","amount":1200,"currency":"eur","customer":"cus_9","status":"succeeded",
       "latest_charge":"ch_3N1"}""";

  @RegisterExtension
  final StubbedVendor vendor = new StubbedVendor();

  private StripePlugin plugin(Map<String, String> overrides) {
    return new StripePlugin(config("stripe", Map.of(VendorConfig.BASE_URL, vendor.baseUrl(), "secret_key", SECRET), overrides));
  }

  @Test
  void createsAConfirmedPaymentIntentWithTheRequestsIdempotencyKey() throws TaskException {
    vendor.stubFor(post("/v1/payment_intents").willReturn(okJson(INTENT)));

    Map<String, Object> result = plugin(Map.of()).execute("acme", CHARGE, context("create_charge"));

    Map<String, Object> expected = new LinkedHashMap<>();
    expected.put("payment_intent_id", "pi_3N1");
    expected.put("status", "succeeded");
    expected.put("amount", 1200L);
    expected.put("currency", "eur");
    expected.put("customer", "cus_9");
    expected.put("latest_charge", "ch_3N1");
    expected.put("idempotency_key", KEY);
    expected.put("replayed", false);
    assertEquals(Map.of("stripe_charge", expected), result);
    vendor.verify(exactly(1), postRequestedFor(urlEqualTo("/v1/payment_intents"))
        .withHeader("Authorization", equalTo("Bearer " + SECRET))
        .withHeader("Idempotency-Key", equalTo(KEY))
        .withHeader("Content-Type", equalTo("application/x-www-form-urlencoded"))
        .withRequestBody(equalTo("amount=1200&currency=eur&customer=cus_9&payment_method=pm_card_visa&description=Invoice+42"
            + "&confirm=true&automatic_payment_methods%5Benabled%5D=true&automatic_payment_methods%5Ballow_redirects%5D=never"
            + "&metadata%5Bfabric_tenant%5D=acme&metadata%5Bfabric_flow_id%5D=flow-7&metadata%5Bfabric_request_id%5D=req-7")));
    assertNoSecret(SECRET, result);
  }

  @Test
  void aReplayedAnswerIsMarkedAsSuch() throws TaskException {
    vendor.stubFor(post("/v1/payment_intents").willReturn(okJson(INTENT).withHeader("Idempotent-Replayed", "true")));

    Map<?, ?> charge = (Map<?, ?>) plugin(Map.of()).execute("acme", CHARGE, context("create_charge", KEY, 2, true)).get("stripe_charge");

    assertEquals(true, charge.get("replayed"));
    vendor.verify(postRequestedFor(urlEqualTo("/v1/payment_intents")).withHeader("Idempotency-Key", equalTo(KEY)));
  }

  @ParameterizedTest
  @ValueSource(ints = {429, 503, 409})
  void throttlingOutagesAndAKeyInFlightAreRetryable(int status) {
    vendor.stubFor(post("/v1/payment_intents").willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"type\":\"api_error\",\"message\":\"Try again\"}}")));

    assertThrows(RetryableTaskException.class, () -> plugin(Map.of()).execute("acme", CHARGE, context("create_charge")));
  }

  @Test
  void aDeclinedCardIsPermanentWithStripesMessage() {
    vendor.stubFor(post("/v1/payment_intents").willReturn(aResponse().withStatus(402).withHeader("Content-Type", "application/json")
        .withBody("""
            {"error":{"type":"card_error","code":"card_declined","decline_code":"generic_decline",
             "message":"Your card was declined."}}""")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", CHARGE, context("create_charge")));

    assertEquals("stripe: POST /v1/payment_intents returned HTTP 402: card_declined: Your card was declined.", e.getMessage());
  }

  @Test
  void aBadRequestIsPermanentAndAnEchoedKeyIsRedacted() {
    vendor.stubFor(post("/v1/payment_intents").willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Invalid API Key provided: " + SECRET + "\"}}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> plugin(Map.of()).execute("acme", CHARGE, context("create_charge")));

    assertTrue(e.getMessage().endsWith("invalid_request_error: Invalid API Key provided: ***"), e.getMessage());
    assertNoSecret(SECRET, e);
  }

  @Test
  void aLostResponseIsRetriedBecauseStripeDeduplicatesTheKey() {
    vendor.stubFor(post("/v1/payment_intents").willReturn(okJson(INTENT).withFixedDelay(1_500)));

    assertThrows(RetryableTaskException.class,
        () -> plugin(Map.of("request_timeout_ms", "200")).execute("acme", CHARGE, context("create_charge")));
  }

  @Test
  void aStripeVersionIsSentWhenConfigured() throws TaskException {
    vendor.stubFor(post("/v1/payment_intents").willReturn(okJson(INTENT)));

    plugin(Map.of("api_version", "2024-06-20")).execute("acme", CHARGE, context("create_charge"));

    vendor.verify(postRequestedFor(urlEqualTo("/v1/payment_intents")).withHeader("Stripe-Version", equalTo("2024-06-20")));
  }

  @Test
  void aChargeIsCompensatedByARefundWithAKeyDerivedFromTheCharges() throws TaskException {
    vendor.stubFor(get("/v1/payment_intents/pi_3N1").willReturn(okJson(INTENT)));
    vendor.stubFor(post("/v1/refunds").willReturn(okJson("""
        {"id":"re_1","object":"refund","amount":1200,"payment_intent":"pi_3N1","status":"succeeded"}""")));
    Map<String, Object> chargeResult = Map.of("stripe_charge", Map.of("payment_intent_id", "pi_3N1", "status", "succeeded",
        "idempotency_key", KEY));

    Map<String, Object> refund = plugin(Map.of()).compensate("acme", Map.of(), chargeResult,
        context("create_charge", "compensate-req-7", 1, false));

    assertEquals(Map.of("stripe_refund", Map.of("refund_id", "re_1", "status", "succeeded", "amount", 1200L,
        "payment_intent_id", "pi_3N1")), refund);
    vendor.verify(postRequestedFor(urlEqualTo("/v1/refunds"))
        .withHeader("Idempotency-Key", equalTo(KEY + ":refund"))
        .withHeader("Authorization", equalTo("Bearer " + SECRET))
        .withRequestBody(equalTo("payment_intent=pi_3N1&metadata%5Bfabric_tenant%5D=acme&metadata%5Bfabric_flow_id%5D=flow-7"
            + "&metadata%5Bfabric_request_id%5D=req-7")));
  }

  @Test
  void aPaymentIntentThatNeverCompletedIsCanceledInsteadOfRefunded() throws TaskException {
    vendor.stubFor(get("/v1/payment_intents/pi_3N1").willReturn(okJson("{\"id\":\"pi_3N1\",\"status\":\"requires_capture\"}")));
    vendor.stubFor(post("/v1/payment_intents/pi_3N1/cancel").willReturn(okJson("{\"id\":\"pi_3N1\",\"status\":\"canceled\"}")));

    Map<String, Object> result = plugin(Map.of()).compensate("acme", Map.of(),
        Map.of("stripe_charge", Map.of("payment_intent_id", "pi_3N1", "idempotency_key", KEY)), context("create_charge"));

    assertEquals(Map.of("stripe_payment_intent_canceled", Map.of("payment_intent_id", "pi_3N1", "status", "canceled")), result);
    vendor.verify(postRequestedFor(urlEqualTo("/v1/payment_intents/pi_3N1/cancel"))
        .withHeader("Idempotency-Key", equalTo(KEY + ":cancel")));
    vendor.verify(exactly(0), postRequestedFor(urlEqualTo("/v1/refunds")));
  }

  @Test
  void aRefundRefusedByStripeFailsTheCompensationPermanently() {
    vendor.stubFor(get("/v1/payment_intents/pi_3N1").willReturn(okJson(INTENT)));
    vendor.stubFor(post("/v1/refunds").willReturn(aResponse().withStatus(400).withHeader("Content-Type", "application/json")
        .withBody("{\"error\":{\"code\":\"charge_disputed\",\"message\":\"Charge ch_3N1 has been charged back; cannot issue a refund.\"}}")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin(Map.of()).compensate("acme", Map.of(),
        Map.of("stripe_charge", Map.of("payment_intent_id", "pi_3N1")), context("create_charge")));

    assertTrue(e.getMessage().contains("charge_disputed: Charge ch_3N1 has been charged back"), e.getMessage());
  }

  @Test
  void cancelingASubscriptionDeletesIt() throws TaskException {
    vendor.stubFor(delete(urlPathEqualTo("/v1/subscriptions/sub_1")).willReturn(okJson("""
        {"id":"sub_1","object":"subscription","status":"canceled","cancel_at_period_end":false}""")));

    Map<String, Object> result = plugin(Map.of()).execute("acme", Map.of("subscription", "sub_1", "state", "cancel",
        "invoice_now", true), context("change_billing_state"));

    assertEquals(Map.of("stripe_subscription", Map.of("subscription_id", "sub_1", "state", "cancel", "status", "canceled",
        "cancel_at_period_end", false)), result);
    vendor.verify(deleteRequestedFor(urlEqualTo("/v1/subscriptions/sub_1?invoice_now=true"))
        .withHeader("Authorization", equalTo("Bearer " + SECRET)));
  }

  @Test
  void pausingASubscriptionPostsTheChangeWithTheIdempotencyKey() throws TaskException {
    vendor.stubFor(post("/v1/subscriptions/sub_1").willReturn(okJson("""
        {"id":"sub_1","status":"active","cancel_at_period_end":false,"pause_collection":{"behavior":"void"}}""")));

    Map<?, ?> subscription = (Map<?, ?>) plugin(Map.of()).execute("acme", Map.of("subscription", "sub_1", "state", "pause"),
        context("change_billing_state")).get("stripe_subscription");

    assertEquals("void", subscription.get("pause_behavior"));
    vendor.verify(postRequestedFor(urlEqualTo("/v1/subscriptions/sub_1"))
        .withHeader("Idempotency-Key", equalTo(KEY))
        .withRequestBody(equalTo("pause_collection%5Bbehavior%5D=void")));
  }

  @Test
  void anInDoubtCancelLooksTheSubscriptionUpInsteadOfDeletingAgain() throws TaskException {
    vendor.stubFor(get("/v1/subscriptions/sub_1").willReturn(okJson("{\"id\":\"sub_1\",\"status\":\"canceled\"}")));

    Map<?, ?> subscription = (Map<?, ?>) plugin(Map.of()).execute("acme", Map.of("subscription", "sub_1", "state", "cancel"),
        context("change_billing_state", KEY, 2, true)).get("stripe_subscription");

    assertEquals("canceled", subscription.get("status"));
    vendor.verify(exactly(0), deleteRequestedFor(urlPathEqualTo("/v1/subscriptions/sub_1")));
  }

  @Test
  void anUnknownBillingStateIsRefusedBeforeAnyCall() {
    assertThrows(PermanentTaskException.class, () -> plugin(Map.of()).execute("acme",
        Map.of("subscription", "sub_1", "state", "delete_everything"), context("change_billing_state")));
    assertEquals(0, vendor.getAllServeEvents().size());
  }

  @Test
  void declaresVendorIdempotencyAndWhatCanBeUndone() {
    StripePlugin plugin = plugin(Map.of());

    assertEquals(InDoubtSupport.VENDOR_IDEMPOTENCY, plugin.inDoubtSupport());
    assertTrue(plugin.compensable("create_charge"));
    assertFalse(plugin.compensable("change_billing_state"));
  }

  @Test
  void aKeyLongerThanStripeAcceptsIsHashedStably() {
    String longKey = "k".repeat(300);

    assertEquals(StripePlugin.stripeKey(longKey), StripePlugin.stripeKey(longKey));
    assertTrue(StripePlugin.stripeKey(longKey).length() <= 255);
    assertEquals(KEY, StripePlugin.stripeKey(KEY));
  }

  @Test
  void noIdempotencyKeyHeaderOnReads() throws TaskException {
    vendor.stubFor(get("/v1/payment_intents/pi_3N1").willReturn(okJson(INTENT)));
    vendor.stubFor(post("/v1/refunds").willReturn(okJson("{\"id\":\"re_1\",\"status\":\"succeeded\"}")));

    plugin(Map.of()).compensate("acme", Map.of(), Map.of("stripe_charge", Map.of("payment_intent_id", "pi_3N1")), context("create_charge"));

    vendor.verify(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(urlEqualTo("/v1/payment_intents/pi_3N1"))
        .withHeader("Idempotency-Key", absent()));
    // without the charge's key in the result, the refund key derives from the compensation's own key
    vendor.verify(postRequestedFor(urlEqualTo("/v1/refunds")).withHeader("Idempotency-Key", equalTo(KEY + ":refund")));
  }
}
