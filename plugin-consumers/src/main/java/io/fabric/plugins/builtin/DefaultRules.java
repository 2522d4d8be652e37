package io.fabric.plugins.builtin;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keyword rules {@code tag} and {@code classify} use when a payload brings none: the labels a
 * support or operations inbox needs first. A payload's own {@code rules} replace them entirely.
 */
final class DefaultRules {
  static final Map<String, List<String>> RULES = rules();

  private DefaultRules() {}

  private static Map<String, List<String>> rules() {
    Map<String, List<String>> rules = new LinkedHashMap<>();
    rules.put("billing", List.of("invoice", "invoices", "billing", "billed", "charge", "charged", "payment", "refund", "price",
        "subscription", "receipt"));
    rules.put("bug", List.of("bug", "error", "crash", "crashes", "broken", "fails", "failed", "failing", "exception", "not working"));
    rules.put("account", List.of("login", "log in", "password", "account", "sign in", "locked out", "2fa"));
    rules.put("cancellation", List.of("cancel", "cancellation", "unsubscribe", "terminate", "close my account"));
    rules.put("shipping", List.of("delivery", "shipping", "shipment", "package", "tracking", "delivered"));
    rules.put("complaint", List.of("complaint", "disappointed", "unhappy", "terrible", "awful", "unacceptable", "angry"));
    rules.put("praise", List.of("thanks", "thank you", "great", "love", "excellent", "awesome"));
    rules.put("security", List.of("breach", "phishing", "fraud", "hacked", "suspicious", "vulnerability"));
    rules.put("urgent", List.copyOf(BuiltinPlugin.URGENT_TERMS));
    return Map.copyOf(rules);
  }
}
