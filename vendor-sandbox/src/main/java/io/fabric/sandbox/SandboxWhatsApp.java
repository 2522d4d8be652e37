package io.fabric.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.util.Optional;
import java.util.regex.Matcher;

/** The WhatsApp Cloud API messages endpoint as the sandbox plays it: Graph-style errors, {@code wamid.} ids. */
final class SandboxWhatsApp {
  private final String token;
  private final String phoneNumberId;
  private final SandboxLedger ledger;
  private int sequence;

  SandboxWhatsApp(String token, String phoneNumberId, SandboxLedger ledger) {
    this.token = token;
    this.phoneNumberId = phoneNumberId;
    this.ledger = ledger;
  }

  synchronized Reply send(Request request, Matcher path) {
    if (!request.authorizedBy("Bearer " + token)) {
      return error(401, 190, "OAuthException", "Invalid OAuth access token - Cannot parse access token");
    }
    if (!phoneNumberId.equals(path.group(1))) {
      return error(400, 100, "GraphMethodException", "Unsupported post request. Object with ID '" + path.group(1)
          + "' does not exist, cannot be loaded due to missing permissions, or does not support this operation");
    }
    Optional<ObjectNode> body = request.jsonObject();
    if (body.isEmpty() || !"whatsapp".equals(body.get().path("messaging_product").asText())) {
      return error(400, 100, "OAuthException", "(#100) The parameter messaging_product is required.");
    }
    JsonNode message = body.get();
    String to = message.path("to").asText("");
    String digits = to.replaceAll("[^0-9]", "");
    if (digits.length() < 8) {
      return error(400, 131009, "OAuthException", "(#131009) Parameter value is not valid: 'to' must be a phone number");
    }
    String type = message.path("type").asText("text");
    boolean valid = switch (type) {
      case "text" -> !message.path("text").path("body").asText("").isBlank();
      case "template" -> !message.path("template").path("name").asText("").isBlank();
      default -> false;
    };
    if (!valid) {
      return error(400, 100, "OAuthException", "(#100) Invalid parameter: a " + type + " message needs its content");
    }
    ObjectNode reply = SandboxHttp.object();
    reply.put("messaging_product", "whatsapp");
    reply.putArray("contacts").addObject().put("input", to).put("wa_id", digits);
    reply.putArray("messages").addObject().put("id", "wamid.SANDBOX" + String.format("%08d", ++sequence)).put("message_status", "accepted");
    ledger.effect(VendorSandbox.WHATSAPP_MESSAGE);
    return Reply.json(200, reply);
  }

  private static Reply error(int status, int code, String type, String message) {
    ObjectNode body = SandboxHttp.object();
    body.putObject("error").put("message", message).put("type", type).put("code", code).put("fbtrace_id", "sandbox");
    return Reply.json(status, body);
  }
}
