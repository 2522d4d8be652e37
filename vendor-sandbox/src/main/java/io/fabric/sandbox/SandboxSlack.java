package io.fabric.sandbox;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Slack's Web API {@code chat.postMessage} and {@code chat.delete} as the sandbox plays them: HTTP
 * 200 with {@code ok:false} and an error code for every refusal (as Slack does), a {@code ts} per
 * message, {@code message_not_found} for a message already deleted.
 */
final class SandboxSlack {
  private final String token;
  private final SandboxLedger ledger;
  private final Map<String, ObjectNode> messages = new LinkedHashMap<>();
  private long sequence;

  SandboxSlack(String token, SandboxLedger ledger) {
    this.token = token;
    this.ledger = ledger;
  }

  synchronized Reply postMessage(Request request, Matcher path) {
    Optional<ObjectNode> body = checked(request);
    if (body.isEmpty()) {
      return refusal(request);
    }
    String channel = body.get().path("channel").asText("");
    if (!channel.matches("[CGD][A-Z0-9]{8,}|#[a-z0-9_-]+")) {
      return notOk(channel.isBlank() ? "channel_not_specified" : "channel_not_found");
    }
    String text = body.get().path("text").asText("");
    if (text.isBlank() && !body.get().path("blocks").isArray()) {
      return notOk("no_text");
    }
    String ts = String.format("1764633600.%06d", ++sequence);
    ObjectNode message = SandboxHttp.object();
    message.put("type", "message");
    message.put("text", text);
    message.put("ts", ts);
    messages.put(channel + "/" + ts, message);
    ledger.effect(VendorSandbox.SLACK_MESSAGE);
    ObjectNode reply = SandboxHttp.object();
    reply.put("ok", true);
    reply.put("channel", channel);
    reply.put("ts", ts);
    reply.set("message", message);
    return Reply.json(200, reply);
  }

  synchronized Reply delete(Request request, Matcher path) {
    Optional<ObjectNode> body = checked(request);
    if (body.isEmpty()) {
      return refusal(request);
    }
    String channel = body.get().path("channel").asText("");
    String ts = body.get().path("ts").asText("");
    if (messages.remove(channel + "/" + ts) == null) {
      return notOk("message_not_found");
    }
    ledger.effect(VendorSandbox.SLACK_MESSAGE_DELETE);
    return Reply.json(200, SandboxHttp.object().put("ok", true).put("channel", channel).put("ts", ts));
  }

  /** The JSON body of an authorized call, or empty when {@link #refusal} answers it. */
  private Optional<ObjectNode> checked(Request request) {
    return request.authorizedBy("Bearer " + token) ? request.jsonObject() : Optional.empty();
  }

  private Reply refusal(Request request) {
    return notOk(request.authorizedBy("Bearer " + token) ? "invalid_json" : "invalid_auth");
  }

  private static Reply notOk(String error) {
    return Reply.json(200, SandboxHttp.object().put("ok", false).put("error", error));
  }
}
