package io.fabric.plugins.vendors;

import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.plugins.spi.RetryableTaskException;
import io.fabric.plugins.spi.TaskException;
import io.fabric.sandbox.VendorSandbox;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The sandbox answering the real plugins over real HTTP and SMTP. */
class VendorSandboxTest {
  private static final Map<String, Object> CHARGE = Map.of("amount", 1200, "currency", "eur", "customer", "cus_9",
      "payment_method", "pm_card_visa");

  private VendorSandbox sandbox;

  @BeforeEach
  void start() {
    sandbox = VendorSandbox.start();
  }

  @AfterEach
  void stop() {
    sandbox.close();
  }

  /** The vendor plugin {@code name}, configured only by the sandbox's properties, as {@code fabric run --sandbox} configures it. */
  private FabricPlugin plugin(String name) {
    VendorConfig config = VendorConfig.of(name, sandbox.systemProperties());
    return switch (name) {
      case WhatsAppPlugin.NAME -> new WhatsAppPlugin(config);
      case SalesforcePlugin.NAME -> new SalesforcePlugin(config);
      case StripePlugin.NAME -> new StripePlugin(config);
      case VoicePlugin.NAME -> new VoicePlugin(config);
      case ContractPlugin.NAME -> new ContractPlugin(config);
      case EmailPlugin.NAME -> new EmailPlugin(config);
      case WebhookPlugin.NAME -> new WebhookPlugin(config);
      case LinkedInPlugin.NAME -> new LinkedInPlugin(config);
      case CmsPlugin.NAME -> new CmsPlugin(config);
      case CrmRoutingPlugin.NAME -> new CrmRoutingPlugin(config);
      case SlackPlugin.NAME -> new SlackPlugin(config);
      default -> throw new IllegalArgumentException("no vendor plugin " + name);
    };
  }

  private static Map<?, ?> section(Map<String, Object> result, String name) {
    return (Map<?, ?>) result.get(name);
  }

  @Test
  void twoChargesWithOneIdempotencyKeyChargeOnce() throws TaskException {
    FabricPlugin stripe = plugin("stripe");

    Map<String, Object> first = stripe.execute("acme", CHARGE, context("create_charge", "key-1", 1, false));
    Map<String, Object> again = stripe.execute("acme", CHARGE, context("create_charge", "key-1", 2, true));
    stripe.execute("acme", CHARGE, context("create_charge", "key-2", 1, false));

    assertEquals(section(first, "stripe_charge").get("payment_intent_id"), section(again, "stripe_charge").get("payment_intent_id"));
    assertEquals(false, section(first, "stripe_charge").get("replayed"));
    assertEquals(true, section(again, "stripe_charge").get("replayed"));
    assertEquals("succeeded", section(first, "stripe_charge").get("status"));
    assertEquals(2, sandbox.effects(VendorSandbox.CHARGE));
    assertEquals(List.of("key-1", "key-1", "key-2"), sandbox.calls("stripe").stream()
        .map(call -> call.headers().get("idempotency-key")).toList());
  }

  @Test
  void aRefundCompensatesAChargeOnceEvenWhenRepeated() throws TaskException {
    FabricPlugin stripe = plugin("stripe");
    Map<String, Object> charge = stripe.execute("acme", CHARGE, context("create_charge", "key-1", 1, false));

    Map<String, Object> refund = stripe.compensate("acme", Map.of(), charge, context("create_charge", "compensate-req-7", 1, false));
    Map<String, Object> repeated = stripe.compensate("acme", Map.of(), charge, context("create_charge", "compensate-req-7", 2, true));

    assertEquals("succeeded", section(refund, "stripe_refund").get("status"));
    assertEquals(section(refund, "stripe_refund").get("refund_id"), section(repeated, "stripe_refund").get("refund_id"));
    assertEquals(1, sandbox.effects(VendorSandbox.REFUND));
  }

  @Test
  void aDeclinedTestCardIsAPermanentCardError() {
    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> plugin("stripe").execute("acme",
        Map.of("amount", 500, "currency", "eur", "payment_method", VendorSandbox.STRIPE_DECLINED_CARD), context("create_charge")));

    assertTrue(e.getMessage().endsWith("HTTP 402: card_declined: Your card was declined."), e.getMessage());
    assertEquals(0, sandbox.effects(VendorSandbox.CHARGE));
  }

  @Test
  void subscriptionsCanBePausedAndCanceledOnce() throws TaskException {
    FabricPlugin stripe = plugin("stripe");

    stripe.execute("acme", Map.of("subscription", "sub_1", "state", "pause"), context("change_billing_state", "k-pause", 1, false));
    Map<String, Object> canceled = stripe.execute("acme", Map.of("subscription", "sub_1", "state", "cancel"),
        context("change_billing_state", "k-cancel", 1, false));
    Map<String, Object> inDoubt = stripe.execute("acme", Map.of("subscription", "sub_1", "state", "cancel"),
        context("change_billing_state", "k-cancel", 2, true));

    assertEquals("canceled", section(canceled, "stripe_subscription").get("status"));
    assertEquals("canceled", section(inDoubt, "stripe_subscription").get("status"));
    assertEquals(2, sandbox.effects(VendorSandbox.SUBSCRIPTION_CHANGE));
  }

  @Test
  void aWhatsAppMessageIsSentAndCounted() throws TaskException {
    Map<String, Object> result = plugin("whatsapp").execute("acme", Map.of("to", "+15550100", "text", "hello"), context("send_whatsapp"));

    assertTrue(String.valueOf(section(result, "whatsapp_message").get("message_id")).startsWith("wamid."));
    assertEquals(1, sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE));
  }

  @Test
  void anUpsertRepeatedTouchesOneRecord() throws TaskException {
    FabricPlugin salesforce = plugin("salesforce");
    Map<String, Object> payload = Map.of("external_id", "A-1", "fields", Map.of("Name", "Acme"));

    Map<String, Object> first = salesforce.execute("acme", payload, context("sync_salesforce"));
    Map<String, Object> second = salesforce.execute("acme", payload, context("sync_salesforce", "k", 2, true));

    assertEquals(true, section(first, "salesforce_record").get("created"));
    assertEquals(false, section(second, "salesforce_record").get("created"));
    assertEquals(section(first, "salesforce_record").get("id"), section(second, "salesforce_record").get("id"));
    assertEquals(1, sandbox.effects(VendorSandbox.SALESFORCE_RECORD));
  }

  @Test
  void aQueuedCallIsCanceledByItsCompensation() throws TaskException {
    FabricPlugin voice = plugin("voice");
    Map<String, Object> call = voice.execute("acme", Map.of("to", "+15550100", "say", "Your order shipped"), context("trigger_voice_call"));

    Map<String, Object> canceled = voice.compensate("acme", Map.of(), call, context("trigger_voice_call", "compensate-req-7", 1, false));

    assertEquals("canceled", section(canceled, "voice_call_canceled").get("status"));
    assertEquals(1, sandbox.effects(VendorSandbox.CALL));
    assertEquals(1, sandbox.effects(VendorSandbox.CALL_CANCEL));
  }

  @Test
  void anEnvelopeIsFoundByItsKeyWhenInDoubtAndVoidedOnRollback() throws TaskException {
    FabricPlugin contracts = plugin("contracts");
    Map<String, Object> payload = Map.of("text", "Either party may terminate on 30 days' notice.",
        "signers", List.of(Map.of("name", "Ada", "email", "ada@example.com")));

    Map<String, Object> sent = contracts.execute("acme", payload, context("send_contract_for_signature", "k-env", 1, false));
    Map<String, Object> recovered = contracts.execute("acme", payload, context("send_contract_for_signature", "k-env", 2, true));
    Map<String, Object> voided = contracts.compensate("acme", Map.of(), sent, context("send_contract_for_signature", "c", 1, false));

    assertEquals(section(sent, "contract_envelope").get("envelope_id"), section(recovered, "contract_envelope").get("envelope_id"));
    assertEquals(true, section(recovered, "contract_envelope").get("recovered"));
    assertEquals("voided", section(voided, "contract_envelope_voided").get("status"));
    assertEquals(1, sandbox.effects(VendorSandbox.ENVELOPE));
    assertEquals(1, sandbox.effects(VendorSandbox.ENVELOPE_VOID));
  }

  @Test
  void aSignedEnvelopeCannotBeVoided() throws TaskException {
    FabricPlugin contracts = plugin("contracts");
    Map<String, Object> sent = contracts.execute("acme", Map.of("text", "Terms.", "signers",
        List.of(Map.of("name", "Ada", "email", "ada@example.com"))), context("send_contract_for_signature"));
    assertTrue(sandbox.completeEnvelope((String) section(sent, "contract_envelope").get("envelope_id")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> contracts.compensate("acme", Map.of(), sent, context("send_contract_for_signature")));

    assertTrue(e.getMessage().contains("ENVELOPE_CANNOT_VOID_INVALID_STATE"), e.getMessage());
  }

  @Test
  void anEmailReachesTheSandboxSmtpWithItsMessageId() throws TaskException {
    Map<String, Object> result = plugin("email").execute("acme", Map.of("to", "ada@example.com", "subject", "Hi", "text", "Hello"),
        context("send_email"));

    assertEquals(1, sandbox.effects(VendorSandbox.EMAIL));
    VendorSandbox.Call mail = sandbox.calls("email").get(0);
    assertEquals(section(result, "email").get("message_id"), mail.headers().get("Message-ID"));
    assertEquals("ada@example.com", mail.headers().get("To"));
  }

  @Test
  void aSignedWebhookIsVerifiedAndDeliveredOncePerKey() throws TaskException {
    FabricPlugin webhook = plugin("webhook");

    webhook.execute("acme", Map.of("event", "order.shipped"), context("webhook", "k-hook", 1, false));
    webhook.execute("acme", Map.of("event", "order.shipped"), context("webhook", "k-hook", 2, true));

    assertEquals(1, sandbox.effects(VendorSandbox.WEBHOOK));
    assertEquals(List.of(200, 200), sandbox.calls("webhook").stream().map(VendorSandbox.Call::status).toList());
  }

  @Test
  void aLinkedInPostIsPublishedOnceAndDeletedByItsCompensation() throws TaskException {
    FabricPlugin linkedIn = plugin("linkedin");
    Map<String, Object> post = linkedIn.execute("acme", Map.of("text", "We ship (finally)"), context("send_linkedin"));

    Map<String, Object> deleted = linkedIn.compensate("acme", Map.of(), post, context("send_linkedin", "c", 1, false));
    Map<String, Object> again = linkedIn.compensate("acme", Map.of(), post, context("send_linkedin", "c", 2, true));

    assertTrue(String.valueOf(section(post, "linkedin_post").get("post_urn")).startsWith("urn:li:share:"));
    assertEquals(false, section(deleted, "linkedin_post_deleted").get("already_gone"));
    assertEquals(true, section(again, "linkedin_post_deleted").get("already_gone"));
    assertEquals(1, sandbox.effects(VendorSandbox.LINKEDIN_POST));
    assertEquals(1, sandbox.effects(VendorSandbox.LINKEDIN_POST_DELETE));
    assertEquals("2.0.0", sandbox.calls("linkedin").get(0).headers().get("x-restli-protocol-version"));
  }

  @Test
  void aWordPressPostIsFoundByItsKeyWhenInDoubtAndTrashedOnRollback() throws TaskException {
    FabricPlugin cms = plugin("cms");
    Map<String, Object> payload = Map.of("title", "Release notes", "content", "Kafka all the way down.");

    Map<String, Object> first = cms.execute("acme", payload, context("publish_content", "k-post", 1, false));
    Map<String, Object> recovered = cms.execute("acme", payload, context("publish_content", "k-post", 2, true));
    Map<String, Object> trashed = cms.compensate("acme", Map.of(), first, context("publish_content", "c", 1, false));
    Map<String, Object> again = cms.compensate("acme", Map.of(), first, context("publish_content", "c", 2, true));

    assertEquals(section(first, "cms_post").get("id"), section(recovered, "cms_post").get("id"));
    assertEquals(true, section(recovered, "cms_post").get("recovered"));
    assertEquals("trash", section(trashed, "cms_post_trashed").get("status"));
    assertEquals(true, section(again, "cms_post_trashed").get("already_trashed"));
    assertEquals(1, sandbox.effects(VendorSandbox.CMS_POST));
    assertEquals(1, sandbox.effects(VendorSandbox.CMS_POST_TRASH));
  }

  @Test
  void aLeadIsReRoutedOnceWhenInDoubtAndGivenBackOnRollback() throws TaskException {
    plugin("salesforce").execute("acme", Map.of("sobject", "Lead", "external_id", "L-1", "fields", Map.of("LastName", "Lovelace",
        "Company", "Acme")), context("sync_salesforce"));
    FabricPlugin routing = plugin("crm-routing");
    Map<String, Object> payload = Map.of("external_id", "L-1", "owner_id", "005SBX000000002AAA");

    Map<String, Object> routed = routing.execute("acme", payload, context("modify_lead_routing", "k-route", 1, false));
    Map<String, Object> inDoubt = routing.execute("acme", payload, context("modify_lead_routing", "k-route", 2, true));
    routing.compensate("acme", Map.of(), routed, context("modify_lead_routing", "c", 1, false));
    routing.compensate("acme", Map.of(), routed, context("modify_lead_routing", "c", 2, true));

    assertEquals(VendorSandbox.SALESFORCE_DEFAULT_OWNER_ID, section(routed, "lead_routing").get("previous_owner_id"));
    assertEquals(VendorSandbox.SALESFORCE_DEFAULT_OWNER_ID, section(inDoubt, "lead_routing").get("previous_owner_id"));
    assertEquals(true, section(inDoubt, "lead_routing").get("recovered"));
    assertEquals(2, sandbox.effects(VendorSandbox.SALESFORCE_OWNER_CHANGE), "routed once, given back once");
    Map<String, Object> now = routing.execute("acme", Map.of("external_id", "L-1", "owner_id", "005SBX000000003AAA"),
        context("modify_lead_routing", "k-next", 1, false));
    assertEquals(VendorSandbox.SALESFORCE_DEFAULT_OWNER_ID, section(now, "lead_routing").get("previous_owner_id"));
  }

  @Test
  void aSlackMessageIsPostedAndDeletedByItsCompensation() throws TaskException {
    FabricPlugin slack = plugin("slack");
    Map<String, Object> sent = slack.execute("acme", Map.of("text", "Deploy done"), context("send_slack"));

    Map<String, Object> deleted = slack.compensate("acme", Map.of(), sent, context("send_slack", "c", 1, false));
    PermanentTaskException unknownChannel = assertThrows(PermanentTaskException.class,
        () -> slack.execute("acme", Map.of("text", "hi", "channel", "nowhere"), context("send_slack")));

    assertEquals(VendorSandbox.SLACK_CHANNEL, section(sent, "slack_message").get("channel"));
    assertEquals(false, section(deleted, "slack_message_deleted").get("already_gone"));
    assertTrue(unknownChannel.getMessage().endsWith("channel_not_found"), unknownChannel.getMessage());
    assertEquals(1, sandbox.effects(VendorSandbox.SLACK_MESSAGE));
    assertEquals(1, sandbox.effects(VendorSandbox.SLACK_MESSAGE_DELETE));
  }

  @Test
  void injectedFailuresShowRetriesAndThenPass() throws TaskException {
    sandbox.failNext("POST", "/v1/payment_intents", 503, 1);
    FabricPlugin stripe = plugin("stripe");

    assertThrows(RetryableTaskException.class, () -> stripe.execute("acme", CHARGE, context("create_charge", "key-r", 1, false)));
    stripe.execute("acme", CHARGE, context("create_charge", "key-r", 2, false));

    assertEquals(1, sandbox.effects(VendorSandbox.CHARGE));
    assertEquals(List.of(503, 200), sandbox.calls("stripe").stream().map(VendorSandbox.Call::status).toList());
  }

  @Test
  void wrongCredentialsAreRefusedLikeTheVendorDoes() {
    FabricPlugin stripe = new StripePlugin(VendorConfig.ofKeys("stripe", Map.of(VendorConfig.BASE_URL, sandbox.baseUrl(),
        "secret_key", "sk_test_wrong_key_123")));

    PermanentTaskException e = assertThrows(PermanentTaskException.class, () -> stripe.execute("acme", CHARGE, context("create_charge")));

    assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
  }

  @Test
  void recordedCallsCarryNoCredentials() throws TaskException {
    plugin("whatsapp").execute("acme", Map.of("to", "+15550100", "text", "hello"), context("send_whatsapp"));
    plugin("stripe").execute("acme", CHARGE, context("create_charge"));
    plugin("voice").execute("acme", Map.of("to", "+15550100"), context("trigger_voice_call"));
    plugin("linkedin").execute("acme", Map.of("text", "hi"), context("send_linkedin"));
    plugin("cms").execute("acme", Map.of("title", "t", "content", "c"), context("publish_content"));
    plugin("slack").execute("acme", Map.of("text", "hi"), context("send_slack"));

    String recorded = sandbox.calls().toString();
    for (String secret : List.of(VendorSandbox.WHATSAPP_TOKEN, VendorSandbox.STRIPE_SECRET_KEY, VendorSandbox.TWILIO_AUTH_TOKEN,
        VendorSandbox.LINKEDIN_TOKEN, VendorSandbox.WORDPRESS_PASSWORD, VendorSandbox.SLACK_TOKEN)) {
      assertFalse(recorded.contains(secret), secret);
    }
    assertTrue(sandbox.calls().stream().noneMatch(call -> call.headers().containsKey("authorization")));
  }

  @Test
  void pluginsFoundByServiceLoaderCallTheSandboxOnceItsPropertiesAreApplied() throws TaskException {
    String property = VendorConfig.propertyName("whatsapp", "token");
    FabricPlugin discovered = PluginRegistry.discover().byName("whatsapp").orElseThrow();

    sandbox.applyToSystemProperties();
    discovered.execute("acme", Map.of("to", "+15550100", "text", "hello"), context("send_whatsapp"));
    sandbox.close();

    assertEquals(1, sandbox.effects(VendorSandbox.WHATSAPP_MESSAGE));
    assertNull(System.getProperty(property));
  }
}
