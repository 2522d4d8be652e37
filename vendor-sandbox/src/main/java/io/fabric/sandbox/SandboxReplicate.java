package io.fabric.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;

/**
 * A Replicate-style predictions API as the sandbox plays it, for the {@code media} plugin's long-running
 * jobs: {@code POST /v1/predictions} creates a prediction ({@code starting}) and counts a
 * {@link VendorSandbox#MEDIA_JOB}; each {@code GET /v1/predictions/{id}} is one poll, and the
 * prediction is {@code processing} until it has been polled {@link #completeAfterPolls} times, then
 * {@code succeeded} with an output URL ({@code failed} when the prompt contains
 * {@value #FAILING_PROMPT}); {@code POST /v1/predictions/{id}/cancel} cancels a prediction still
 * running ({@link VendorSandbox#MEDIA_JOB_CANCEL}). Errors use Replicate's problem shape
 * ({@code {"title","detail","status"}}). Replicate documents no idempotency key; the sandbox still
 * answers a repeated {@code Idempotency-Key} with the first prediction (as a deduplicating proxy
 * would), so a test can show what a plugin configured with {@code vendor_deduplicates} relies on.
 */
final class SandboxReplicate {
  /** A prompt containing this makes the prediction fail, as a model error would. */
  static final String FAILING_PROMPT = "sandbox:fail";

  private final String token;
  private final SandboxLedger ledger;
  private final Map<String, ObjectNode> predictions = new HashMap<>();
  private final Map<String, String> byIdempotencyKey = new HashMap<>();
  private final Map<String, AtomicInteger> polls = new HashMap<>();
  private volatile int completeAfterPolls = 3;
  private int sequence;

  SandboxReplicate(String token, SandboxLedger ledger) {
    this.token = token;
    this.ledger = ledger;
  }

  /** How many polls a prediction takes to succeed (at least 1). */
  void completeAfterPolls(int polls) {
    completeAfterPolls = Math.max(1, polls);
  }

  synchronized Reply create(Request request, Matcher path) {
    if (!request.authorizedBy("Bearer " + token)) {
      return problem(401, "Unauthenticated", "You did not pass a valid authentication token");
    }
    String key = request.header("Idempotency-Key").orElse(null);
    if (key != null && byIdempotencyKey.containsKey(key)) {
      return Reply.json(201, predictions.get(byIdempotencyKey.get(key)));
    }
    ObjectNode body = request.jsonObject().orElse(null);
    if (body == null || !body.path("version").isTextual() || body.path("version").asText().isBlank()) {
      return problem(422, "Invalid version or not permitted", "The specified version does not exist (or perhaps you don't have permission to use it?)");
    }
    if (!body.path("input").isObject()) {
      return problem(422, "Input validation failed", "input is required");
    }
    String id = "sbx" + String.format("%010d", ++sequence);
    ObjectNode prediction = SandboxHttp.object();
    prediction.put("id", id);
    prediction.put("version", body.get("version").asText());
    prediction.set("input", body.get("input"));
    prediction.put("status", "starting");
    prediction.putNull("output");
    prediction.putNull("error");
    prediction.put("created_at", Instant.now().toString());
    ObjectNode urls = prediction.putObject("urls");
    urls.put("get", "/v1/predictions/" + id);
    urls.put("cancel", "/v1/predictions/" + id + "/cancel");
    predictions.put(id, prediction);
    polls.put(id, new AtomicInteger());
    if (key != null) {
      byIdempotencyKey.put(key, id);
    }
    ledger.effect(VendorSandbox.MEDIA_JOB);
    return Reply.json(201, prediction);
  }

  synchronized Reply get(Request request, Matcher path) {
    if (!request.authorizedBy("Bearer " + token)) {
      return problem(401, "Unauthenticated", "You did not pass a valid authentication token");
    }
    ObjectNode prediction = predictions.get(path.group(1));
    if (prediction == null) {
      return problem(404, "Not found", "The requested resource could not be found.");
    }
    String status = prediction.get("status").asText();
    if (status.equals("starting") || status.equals("processing")) {
      int polled = polls.get(prediction.get("id").asText()).incrementAndGet();
      if (polled < completeAfterPolls) {
        prediction.put("status", "processing");
      } else if (prediction.path("input").path("prompt").asText("").contains(FAILING_PROMPT)) {
        prediction.put("status", "failed");
        prediction.put("error", "sandbox: the model failed on this prompt");
        prediction.put("completed_at", Instant.now().toString());
      } else {
        prediction.put("status", "succeeded");
        prediction.put("output", "https://replicate.delivery/sandbox/" + prediction.get("id").asText() + "/output"
            + extension(prediction.path("version")));
        prediction.put("completed_at", Instant.now().toString());
        prediction.putObject("metrics").put("predict_time", 1.5);
      }
    }
    return Reply.json(200, prediction);
  }

  synchronized Reply cancel(Request request, Matcher path) {
    if (!request.authorizedBy("Bearer " + token)) {
      return problem(401, "Unauthenticated", "You did not pass a valid authentication token");
    }
    ObjectNode prediction = predictions.get(path.group(1));
    if (prediction == null) {
      return problem(404, "Not found", "The requested resource could not be found.");
    }
    String status = prediction.get("status").asText();
    if (status.equals("starting") || status.equals("processing")) {
      prediction.put("status", "canceled");
      prediction.put("completed_at", Instant.now().toString());
      ledger.effect(VendorSandbox.MEDIA_JOB_CANCEL);
    }
    return Reply.json(200, prediction);
  }

  private static String extension(JsonNode version) {
    return version.asText("").contains("music") ? ".mp3" : ".mp4";
  }

  private static Reply problem(int status, String title, String detail) {
    return Reply.json(status, Map.of("title", title, "detail", detail, "status", status));
  }
}
