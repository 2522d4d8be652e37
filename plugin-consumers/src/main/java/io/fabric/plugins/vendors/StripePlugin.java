package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Payments through Stripe. {@code create_charge} creates and confirms a PaymentIntent;
 * {@code change_billing_state} cancels, pauses or resumes a subscription. Every POST carries the
 * step's idempotency key as Stripe's {@code Idempotency-Key}, so Stripe itself turns a repeated call
 * (a retry after a lost response, an in-doubt re-call) into a replay of the first answer
 * ({@link InDoubtSupport#VENDOR_IDEMPOTENCY}). Stripe keeps keys for 24 hours.
 *
 * <p>A charge is compensated by refunding it (or cancelling the PaymentIntent if it never
 * completed), with its own key derived from the charge's ({@code <key>:refund}). A billing-state
 * change is not compensable: a cancelled subscription cannot be revived.
 *
 * <p>{@code create_charge} payload: {@code amount} (minor units), {@code currency}, optional
 * {@code customer}, {@code payment_method}, {@code payment_method_types}, {@code description},
 * {@code confirm} (default true), {@code off_session}, {@code metadata}. Result:
 * {@code stripe_charge: {payment_intent_id, status, amount, currency, customer, latest_charge,
 * idempotency_key, replayed}}. {@code change_billing_state} payload: {@code subscription},
 * {@code state} ({@value #STATES_TEXT}), optional {@code pause_behavior}, {@code invoice_now},
 * {@code prorate}. Result: {@code stripe_subscription: {subscription_id, state, status,
 * cancel_at_period_end, pause_behavior}}.
 */
public final class StripePlugin extends VendorPlugin {
  public static final String NAME = "stripe";
  public static final String CREATE_CHARGE = "create_charge";
  public static final String CHANGE_BILLING_STATE = "change_billing_state";
  public static final String SECRET_KEY = "secret_key";
  /** Optional {@code Stripe-Version} header; without it the account's default API version applies. */
  public static final String API_VERSION = "api_version";
  static final String STATES_TEXT = "cancel, cancel_at_period_end, reactivate, pause, resume";
  private static final List<String> STATES = List.of(STATES_TEXT.split(", "));
  /** PaymentIntent statuses in which no money moved yet: cancel rather than refund. */
  private static final Set<String> CANCELABLE = Set.of("requires_payment_method", "requires_confirmation", "requires_action",
      "requires_capture");
  private static final int MAX_KEY_LENGTH = 255;

  public StripePlugin() {
    this(VendorConfig.fromEnvironment(NAME));
  }

  public StripePlugin(VendorConfig config) {
    super(NAME, config, InDoubtSupport.VENDOR_IDEMPOTENCY, CREATE_CHARGE, CHANGE_BILLING_STATE);
  }

  @Override
  public boolean compensable(String taskType) {
    return CREATE_CHARGE.equals(taskType);
  }

  @Override
  public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    return switch (context.action()) {
      case CREATE_CHARGE -> createCharge(tenantId, payload, context);
      case CHANGE_BILLING_STATE -> changeBillingState(payload, context);
      default -> throw doesNotHandle(context);
    };
  }

  private Map<String, Object> createCharge(String tenantId, Map<String, Object> payload, TaskContext context) throws TaskException {
    String secret = config.require(SECRET_KEY).get(SECRET_KEY);
    long amount = VendorPayload.positiveLong(payload, "amount");
    String currency = VendorPayload.text(payload, "currency").toLowerCase(Locale.ROOT);
    boolean confirm = VendorPayload.flag(payload, "confirm", true);
    String key = stripeKey(context.idempotencyKey());
    VendorHttp.Form form = new VendorHttp.Form()
        .add("amount", amount)
        .add("currency", currency)
        .add("customer", VendorPayload.optionalText(payload, "customer").orElse(null))
        .add("payment_method", VendorPayload.optionalText(payload, "payment_method").orElse(null))
        .add("description", VendorPayload.optionalText(payload, "description").orElse(null))
        .add("confirm", confirm);
    List<String> types = VendorPayload.texts(payload, "payment_method_types", false);
    if (!types.isEmpty()) {
      for (int i = 0; i < types.size(); i++) {
        form.add("payment_method_types[" + i + "]", types.get(i));
      }
    } else if (confirm) {
      // confirming server-side without a return_url: only payment methods that need no redirect
      form.add("automatic_payment_methods[enabled]", true).add("automatic_payment_methods[allow_redirects]", "never");
    }
    if (payload.containsKey("off_session")) {
      form.add("off_session", VendorPayload.flag(payload, "off_session", false));
    }
    addMetadata(form, tenantId, context, VendorPayload.optionalObject(payload, "metadata").orElse(Map.of()));
    VendorHttp.Response response = post(secret, VendorHttp.url(base(), "v1", "payment_intents"), key, form);
    Map<String, Object> charge = new LinkedHashMap<>();
    charge.put("payment_intent_id", response.requireText(NAME, "a PaymentIntent id", "id"));
    charge.put("status", response.text("status").orElse("unknown"));
    charge.put("amount", response.text("amount").map(Long::parseLong).orElse(amount));
    charge.put("currency", response.text("currency").orElse(currency));
    response.text("customer").ifPresent(customer -> charge.put("customer", customer));
    response.text("latest_charge").ifPresent(latest -> charge.put("latest_charge", latest));
    charge.put("idempotency_key", key);
    charge.put("replayed", response.header("Idempotent-Replayed").map(Boolean::parseBoolean).orElse(false));
    return Map.of("stripe_charge", charge);
  }

  private Map<String, Object> changeBillingState(Map<String, Object> payload, TaskContext context) throws TaskException {
    String secret = config.require(SECRET_KEY).get(SECRET_KEY);
    String subscription = VendorPayload.text(payload, "subscription");
    String state = VendorPayload.text(payload, "state");
    if (!STATES.contains(state)) {
      throw new PermanentTaskException("payload field 'state' must be one of " + STATES_TEXT + ", not '" + state + "'");
    }
    String url = VendorHttp.url(base(), "v1", "subscriptions", subscription);
    VendorHttp.Response response;
    if (state.equals("cancel")) {
      // Stripe ignores idempotency keys on DELETE: after an unknown outcome, look first
      if (context.inDoubt() || context.attempt() > 1) {
        VendorHttp.Response current = authorized(http.request(config, "GET", url), secret).idempotent(true).send();
        if ("canceled".equals(current.text("status").orElse(""))) {
          return Map.of("stripe_subscription", subscriptionResult(current, subscription, state));
        }
      }
      VendorHttp.Form query = new VendorHttp.Form();
      if (payload.containsKey("invoice_now")) {
        query.add("invoice_now", VendorPayload.flag(payload, "invoice_now", false));
      }
      if (payload.containsKey("prorate")) {
        query.add("prorate", VendorPayload.flag(payload, "prorate", false));
      }
      String encoded = query.encode();
      response = authorized(http.request(config, "DELETE", encoded.isEmpty() ? url : url + "?" + encoded), secret)
          .idempotent(true).send();
    } else {
      VendorHttp.Form form = new VendorHttp.Form();
      switch (state) {
        case "cancel_at_period_end" -> form.add("cancel_at_period_end", true);
        case "reactivate" -> form.add("cancel_at_period_end", false);
        case "pause" -> form.add("pause_collection[behavior]",
            VendorPayload.optionalText(payload, "pause_behavior").orElse("void"));
        default -> form.add("pause_collection", "");
      }
      response = post(secret, url, stripeKey(context.idempotencyKey()), form);
    }
    return Map.of("stripe_subscription", subscriptionResult(response, subscription, state));
  }

  private static Map<String, Object> subscriptionResult(VendorHttp.Response response, String subscription, String state) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("subscription_id", response.text("id").orElse(subscription));
    result.put("state", state);
    result.put("status", response.text("status").orElse("unknown"));
    result.put("cancel_at_period_end", response.text("cancel_at_period_end").map(Boolean::parseBoolean).orElse(false));
    response.text("pause_collection", "behavior").ifPresent(behavior -> result.put("pause_behavior", behavior));
    return result;
  }

  /**
   * Refunds the charge of {@code result}, or cancels its PaymentIntent when no money moved yet,
   * deciding on the PaymentIntent's current status (it may have changed since the checkpoint).
   */
  @Override
  public Map<String, Object> compensate(String tenantId, Map<String, Object> payload, Map<String, Object> result,
                                        TaskContext context) throws TaskException {
    if (!CREATE_CHARGE.equals(context.action())) {
      return super.compensate(tenantId, payload, result, context);
    }
    String secret = config.require(SECRET_KEY).get(SECRET_KEY);
    String paymentIntent = VendorPayload.resultId(result, "stripe_charge", "payment_intent_id");
    String chargeKey = VendorPayload.resultText(result, "stripe_charge", "idempotency_key").orElse(context.idempotencyKey());
    VendorHttp.Response current = authorized(http.request(config, "GET", VendorHttp.url(base(), "v1", "payment_intents", paymentIntent)), secret)
        .idempotent(true).send();
    String status = current.text("status").orElse("unknown");
    if (status.equals("canceled")) {
      return Map.of("stripe_payment_intent_canceled", Map.of("payment_intent_id", paymentIntent, "status", status));
    }
    if (CANCELABLE.contains(status)) {
      VendorHttp.Response canceled = post(secret, VendorHttp.url(base(), "v1", "payment_intents", paymentIntent, "cancel"),
          stripeKey(chargeKey + ":cancel"), new VendorHttp.Form().add("cancellation_reason", "abandoned"));
      return Map.of("stripe_payment_intent_canceled",
          Map.of("payment_intent_id", paymentIntent, "status", canceled.text("status").orElse("canceled")));
    }
    VendorHttp.Form form = new VendorHttp.Form().add("payment_intent", paymentIntent);
    addMetadata(form, tenantId, context, Map.of());
    VendorHttp.Response refund = post(secret, VendorHttp.url(base(), "v1", "refunds"), stripeKey(chargeKey + ":refund"), form);
    Map<String, Object> refunded = new LinkedHashMap<>();
    refunded.put("refund_id", refund.requireText(NAME, "a refund id", "id"));
    refunded.put("status", refund.text("status").orElse("unknown"));
    refund.text("amount").map(Long::parseLong).ifPresent(amount -> refunded.put("amount", amount));
    refunded.put("payment_intent_id", paymentIntent);
    return Map.of("stripe_refund", refunded);
  }

  private VendorHttp.Response post(String secret, String url, String key, VendorHttp.Form form) throws TaskException {
    return authorized(http.request(config, "POST", url), secret)
        .idempotencyKey(key)
        .form(form)
        .idempotent(true)
        // 409: a request with this key is still in flight at Stripe
        .retryOn(409)
        .send();
  }

  private VendorHttp.Request authorized(VendorHttp.Request request, String secret) {
    config.get(API_VERSION).ifPresent(version -> request.header("Stripe-Version", version));
    return request.bearer(secret);
  }

  private String base() {
    return config.get(VendorConfig.BASE_URL, "https://api.stripe.com");
  }

  private static void addMetadata(VendorHttp.Form form, String tenantId, TaskContext context, Map<String, Object> extra) {
    extra.forEach((key, value) -> form.add("metadata[" + key + "]", value));
    form.add("metadata[fabric_tenant]", tenantId);
    form.add("metadata[fabric_flow_id]", context.flowId());
    form.add("metadata[fabric_request_id]", context.requestId());
  }

  /** Stripe takes keys of up to 255 characters; a longer one is replaced by its SHA-256. */
  static String stripeKey(String key) {
    return IdempotencyKeys.fit(key, MAX_KEY_LENGTH);
  }
}
