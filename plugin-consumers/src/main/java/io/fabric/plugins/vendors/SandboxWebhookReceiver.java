package io.fabric.plugins.vendors;

import io.fabric.plugins.vendors.SandboxHttp.Reply;
import io.fabric.plugins.vendors.SandboxHttp.Request;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;

/** A webhook receiver that does what receivers should: verify the signature and its age, and process one Idempotency-Key once. */
final class SandboxWebhookReceiver {
  private final String secret;
  private final SandboxLedger ledger;
  private final Set<String> seenKeys = new HashSet<>();

  SandboxWebhookReceiver(String secret, SandboxLedger ledger) {
    this.secret = secret;
    this.ledger = ledger;
  }

  synchronized Reply receive(Request request, Matcher path) {
    String signature = request.header(WebhookSignature.HEADER).orElse(null);
    if (!WebhookSignature.verify(secret, signature, request.body(), Instant.now(), WebhookSignature.DEFAULT_TOLERANCE)) {
      return Reply.json(400, Map.of("error", "invalid_signature", "error_description", "No valid " + WebhookSignature.HEADER
          + " signature for this body"));
    }
    String key = request.header("Idempotency-Key").orElse(null);
    if (key != null && !seenKeys.add(key)) {
      return Reply.json(200, Map.of("received", true, "duplicate", true));
    }
    ledger.effect(VendorSandbox.WEBHOOK);
    return Reply.json(200, Map.of("received", true, "duplicate", false));
  }
}
