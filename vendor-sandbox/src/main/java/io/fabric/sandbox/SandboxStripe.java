package io.fabric.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;

/**
 * Stripe as the sandbox plays it: PaymentIntents (create, confirm, retrieve, cancel), refunds and
 * subscription updates, with Stripe's idempotency: a POST repeated with the same
 * {@code Idempotency-Key} and parameters replays the first answer ({@code Idempotent-Replayed: true})
 * and charges nothing; the same key with other parameters is an {@code idempotency_error}.
 * {@code payment_method=pm_card_chargeDeclined} is declined, as in Stripe's test mode.
 */
final class SandboxStripe {
  static final String DECLINED_CARD = "pm_card_chargeDeclined";
  private static final Set<String> CANCELABLE = Set.of("requires_payment_method", "requires_confirmation", "requires_action",
      "requires_capture");

  private record Saved(String fingerprint, Reply reply) {}

  private final String secretKey;
  private final SandboxLedger ledger;
  private final Map<String, Saved> byIdempotencyKey = new HashMap<>();
  private final Map<String, ObjectNode> paymentIntents = new HashMap<>();
  private final Map<String, ObjectNode> subscriptions = new HashMap<>();
  private int sequence;

  SandboxStripe(String secretKey, SandboxLedger ledger) {
    this.secretKey = secretKey;
    this.ledger = ledger;
  }

  synchronized Reply createPaymentIntent(Request request, Matcher path) {
    return authorizedOnce(request, () -> {
      Map<String, String> form = request.form();
      Long amount = parseAmount(form.get("amount"));
      if (amount == null) {
        return error(400, "invalid_request_error", "parameter_missing", "Missing required param: amount.");
      }
      if (form.get("currency") == null || form.get("currency").isBlank()) {
        return error(400, "invalid_request_error", "parameter_missing", "Missing required param: currency.");
      }
      boolean confirm = "true".equals(form.get("confirm"));
      if (confirm && DECLINED_CARD.equals(form.get("payment_method"))) {
        return error(402, "card_error", "card_declined", "Your card was declined.");
      }
      ObjectNode intent = SandboxHttp.object();
      intent.put("id", "pi_sandbox_" + next());
      intent.put("object", "payment_intent");
      intent.put("amount", amount);
      intent.put("currency", form.get("currency"));
      intent.put("customer", form.get("customer"));
      intent.put("payment_method", form.get("payment_method"));
      intent.put("description", form.get("description"));
      intent.put("created", Instant.now().getEpochSecond());
      intent.put("livemode", false);
      ObjectNode metadata = intent.putObject("metadata");
      form.forEach((key, value) -> {
        if (key.startsWith("metadata[") && key.endsWith("]")) {
          metadata.put(key.substring(9, key.length() - 1), value);
        }
      });
      if (confirm) {
        intent.put("status", "succeeded");
        intent.put("amount_received", amount);
        intent.put("latest_charge", "ch_sandbox_" + next());
        ledger.effect(VendorSandbox.CHARGE);
      } else {
        intent.put("status", form.get("payment_method") == null ? "requires_payment_method" : "requires_confirmation");
        intent.put("amount_received", 0);
        intent.putNull("latest_charge");
      }
      intent.put("amount_refunded", 0);
      paymentIntents.put(intent.get("id").asText(), intent);
      return Reply.json(200, intent);
    });
  }

  synchronized Reply retrievePaymentIntent(Request request, Matcher path) {
    if (!authorized(request)) {
      return unauthorized();
    }
    ObjectNode intent = paymentIntents.get(path.group(1));
    return intent == null ? missing("payment_intent", path.group(1)) : Reply.json(200, intent);
  }

  synchronized Reply cancelPaymentIntent(Request request, Matcher path) {
    return authorizedOnce(request, () -> {
      ObjectNode intent = paymentIntents.get(path.group(1));
      if (intent == null) {
        return missing("payment_intent", path.group(1));
      }
      String status = intent.get("status").asText();
      if (!CANCELABLE.contains(status)) {
        return error(400, "invalid_request_error", "payment_intent_unexpected_state",
            "You cannot cancel this PaymentIntent because it has a status of " + status + ".");
      }
      intent.put("status", "canceled");
      intent.put("cancellation_reason", request.form().getOrDefault("cancellation_reason", "requested_by_customer"));
      ledger.effect(VendorSandbox.PAYMENT_INTENT_CANCEL);
      return Reply.json(200, intent);
    });
  }

  synchronized Reply createRefund(Request request, Matcher path) {
    return authorizedOnce(request, () -> {
      String id = request.form().get("payment_intent");
      ObjectNode intent = id == null ? null : paymentIntents.get(id);
      if (intent == null) {
        return id == null ? error(400, "invalid_request_error", "parameter_missing", "One of the following params should be provided "
            + "for this request: payment_intent or charge.") : missing("payment_intent", id);
      }
      if (!"succeeded".equals(intent.get("status").asText())) {
        return error(400, "invalid_request_error", "payment_intent_unexpected_state",
            "This PaymentIntent (" + id + ") does not have a successful charge to refund.");
      }
      long refundable = intent.get("amount_received").asLong() - intent.get("amount_refunded").asLong();
      if (refundable <= 0) {
        return error(400, "invalid_request_error", "charge_already_refunded",
            "Charge " + intent.get("latest_charge").asText() + " has already been refunded.");
      }
      intent.put("amount_refunded", intent.get("amount_received").asLong());
      ObjectNode refund = SandboxHttp.object();
      refund.put("id", "re_sandbox_" + next());
      refund.put("object", "refund");
      refund.put("amount", refundable);
      refund.put("currency", intent.get("currency").asText());
      refund.put("payment_intent", id);
      refund.put("charge", intent.get("latest_charge").asText());
      refund.put("status", "succeeded");
      ledger.effect(VendorSandbox.REFUND);
      return Reply.json(200, refund);
    });
  }

  /** GET, POST (update) and DELETE (cancel) of a subscription; any {@code sub_} id exists, active, until changed. */
  synchronized Reply subscription(Request request, Matcher path) {
    String id = path.group(1);
    if (!authorized(request)) {
      return unauthorized();
    }
    if (!id.startsWith("sub_")) {
      return missing("subscription", id);
    }
    ObjectNode subscription = subscriptions.computeIfAbsent(id, SandboxStripe::activeSubscription);
    return switch (request.method()) {
      case "GET" -> Reply.json(200, subscription);
      case "DELETE" -> {
        if ("canceled".equals(subscription.get("status").asText())) {
          yield error(400, "invalid_request_error", "resource_missing", "This subscription (" + id + ") is already canceled.");
        }
        subscription.put("status", "canceled");
        subscription.put("canceled_at", Instant.now().getEpochSecond());
        ledger.effect(VendorSandbox.SUBSCRIPTION_CHANGE);
        yield Reply.json(200, subscription);
      }
      default -> authorizedOnce(request, () -> update(subscription, request.form()));
    };
  }

  private Reply update(ObjectNode subscription, Map<String, String> form) {
    if ("canceled".equals(subscription.get("status").asText())) {
      return error(400, "invalid_request_error", "resource_missing", "A canceled subscription can only update its metadata.");
    }
    if (form.containsKey("cancel_at_period_end")) {
      subscription.put("cancel_at_period_end", Boolean.parseBoolean(form.get("cancel_at_period_end")));
    }
    if (form.containsKey("pause_collection[behavior]")) {
      subscription.putObject("pause_collection").put("behavior", form.get("pause_collection[behavior]"));
    } else if ("".equals(form.get("pause_collection"))) {
      subscription.putNull("pause_collection");
    }
    ledger.effect(VendorSandbox.SUBSCRIPTION_CHANGE);
    return Reply.json(200, subscription);
  }

  private static ObjectNode activeSubscription(String id) {
    ObjectNode subscription = SandboxHttp.object();
    subscription.put("id", id);
    subscription.put("object", "subscription");
    subscription.put("status", "active");
    subscription.put("cancel_at_period_end", false);
    subscription.putNull("pause_collection");
    subscription.putNull("canceled_at");
    return subscription;
  }

  /** Runs {@code action} once per idempotency key, replaying its saved answer for a repeat with the same parameters. */
  private Reply authorizedOnce(Request request, java.util.function.Supplier<Reply> action) {
    if (!authorized(request)) {
      return unauthorized();
    }
    String key = request.header("Idempotency-Key").orElse(null);
    if (key == null) {
      return action.get();
    }
    String fingerprint = request.method() + " " + request.path() + " " + new TreeMap<>(request.form());
    Saved saved = byIdempotencyKey.get(key);
    if (saved != null) {
      if (!saved.fingerprint().equals(fingerprint)) {
        return error(400, "idempotency_error", null, "Keys for idempotent requests can only be used with the same parameters "
            + "they were first used with. Try using a key other than '" + key + "' if you meant to execute a different request.");
      }
      return saved.reply().withHeader("Idempotent-Replayed", "true").withHeader("Idempotency-Key", key);
    }
    Reply reply = action.get();
    // like Stripe, save what executed (success or a card error), not requests refused before executing
    if (reply.status() < 400 || reply.status() == 402) {
      byIdempotencyKey.put(key, new Saved(fingerprint, reply));
    }
    return reply.withHeader("Idempotency-Key", key);
  }

  private boolean authorized(Request request) {
    return request.authorizedBy("Bearer " + secretKey);
  }

  private static Reply unauthorized() {
    return error(401, "invalid_request_error", null, "Invalid API Key provided.");
  }

  private static Reply missing(String object, String id) {
    return error(404, "invalid_request_error", "resource_missing", "No such " + object + ": '" + id + "'");
  }

  static Reply error(int status, String type, String code, String message) {
    ObjectNode body = SandboxHttp.object();
    ObjectNode error = body.putObject("error");
    error.put("type", type);
    if (code != null) {
      error.put("code", code);
    }
    error.put("message", message);
    return Reply.json(status, body);
  }

  private static Long parseAmount(String text) {
    try {
      long amount = Long.parseLong(text);
      return amount > 0 ? amount : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private String next() {
    return String.format("%06d", ++sequence);
  }
}
