package io.fabric.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Matcher;

/** A DocuSign-style envelopes API as the sandbox plays it: create, search by custom field, get, void. */
final class SandboxDocuSign {
  private static final Set<String> VOIDABLE = Set.of("created", "sent", "delivered");
  private final String accountId;
  private final String token;
  private final SandboxLedger ledger;
  private final Map<String, ObjectNode> envelopes = new LinkedHashMap<>();

  SandboxDocuSign(String accountId, String token, SandboxLedger ledger) {
    this.accountId = accountId;
    this.token = token;
    this.ledger = ledger;
  }

  /** POST creates an envelope; GET lists them, filtered by {@code custom_field=name=value}. */
  synchronized Reply envelopes(Request request, Matcher path) {
    if (!authorized(request, path.group(1))) {
      return error(401, "USER_AUTHENTICATION_FAILED", "One or both of Username and Password are invalid.");
    }
    return request.method().equals("GET") ? search(request) : create(request);
  }

  private Reply create(Request request) {
    Optional<ObjectNode> body = request.jsonObject();
    if (body.isEmpty()) {
      return error(400, "INVALID_REQUEST_BODY", "The request body is missing or improperly formatted.");
    }
    JsonNode envelope = body.get();
    if (envelope.path("emailSubject").asText("").isBlank()) {
      return error(400, "INVALID_EMAIL_SUBJECT", "An email subject is required.");
    }
    if (!envelope.path("documents").isArray() || envelope.path("documents").isEmpty()) {
      return error(400, "ENVELOPE_IS_INCOMPLETE", "The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, "
          + "Tabs, and a Subject Line.");
    }
    JsonNode signers = envelope.path("recipients").path("signers");
    if (!signers.isArray() || signers.isEmpty()) {
      return error(400, "ENVELOPE_IS_INCOMPLETE", "The Envelope is not Complete. A Complete Envelope Requires Documents, Recipients, "
          + "Tabs, and a Subject Line.");
    }
    for (JsonNode signer : signers) {
      if (!signer.path("email").asText("").contains("@")) {
        return error(400, "INVALID_EMAIL_ADDRESS_FOR_RECIPIENT", "The email address for the recipient is invalid.");
      }
    }
    String id = UUID.nameUUIDFromBytes(("sandbox-envelope-" + (envelopes.size() + 1)).getBytes(StandardCharsets.UTF_8)).toString();
    String status = "created".equals(envelope.path("status").asText()) ? "created" : "sent";
    ObjectNode stored = SandboxHttp.object();
    stored.put("envelopeId", id);
    stored.put("status", status);
    stored.put("emailSubject", envelope.get("emailSubject").asText());
    stored.put("statusChangedDateTime", Instant.now().toString());
    stored.put("envelopeUri", "/envelopes/" + id);
    ObjectNode fields = stored.putObject("customFields");
    for (JsonNode field : envelope.path("customFields").path("textCustomFields")) {
      fields.put(field.path("name").asText(), field.path("value").asText());
    }
    envelopes.put(id, stored);
    ledger.effect(VendorSandbox.ENVELOPE);
    ObjectNode reply = SandboxHttp.object();
    reply.put("envelopeId", id);
    reply.put("uri", "/envelopes/" + id);
    reply.put("statusDateTime", stored.get("statusChangedDateTime").asText());
    reply.put("status", status);
    return Reply.json(201, reply);
  }

  private Reply search(Request request) {
    Map<String, String> query = request.queryParams();
    if (!query.containsKey("from_date") && !query.containsKey("envelope_ids")) {
      return error(400, "INVALID_REQUEST_PARAMETER", "The request contained at least one invalid parameter. A value for 'from_date', "
          + "'envelope_ids', or 'transaction_ids' must be set.");
    }
    String filter = query.getOrDefault("custom_field", "");
    int eq = filter.indexOf('=');
    ArrayNode found = SandboxHttp.JSON.createArrayNode();
    for (ObjectNode envelope : envelopes.values()) {
      if (eq < 0 || filter.substring(eq + 1).equals(envelope.path("customFields").path(filter.substring(0, eq)).asText(null))) {
        found.add(envelope.deepCopy().without("customFields"));
      }
    }
    ObjectNode reply = SandboxHttp.object();
    reply.put("resultSetSize", String.valueOf(found.size()));
    reply.put("totalSetSize", String.valueOf(found.size()));
    reply.set("envelopes", found);
    return Reply.json(200, reply);
  }

  /** GET reads an envelope; PUT with {@code status: voided} voids it. */
  synchronized Reply envelope(Request request, Matcher path) {
    if (!authorized(request, path.group(1))) {
      return error(401, "USER_AUTHENTICATION_FAILED", "One or both of Username and Password are invalid.");
    }
    ObjectNode envelope = envelopes.get(path.group(2));
    if (envelope == null) {
      return error(404, "ENVELOPE_DOES_NOT_EXIST", "The envelope specified either does not exist or you have no rights to it.");
    }
    if (request.method().equals("GET")) {
      return Reply.json(200, envelope.deepCopy().without("customFields"));
    }
    JsonNode change = request.jsonObject().map(JsonNode.class::cast).orElse(SandboxHttp.object());
    if (!"voided".equals(change.path("status").asText())) {
      return error(400, "INVALID_REQUEST_PARAMETER", "Only a change of status to voided is supported by the sandbox.");
    }
    if (change.path("voidedReason").asText("").isBlank()) {
      return error(400, "ENVELOPE_VOID_REASON_REQUIRED", "A reason is required to void an envelope.");
    }
    if (!VOIDABLE.contains(envelope.get("status").asText())) {
      return error(400, "ENVELOPE_CANNOT_VOID_INVALID_STATE", "Only envelopes in the 'Sent' or 'Delivered' states may be voided.");
    }
    envelope.put("status", "voided");
    envelope.put("voidedReason", change.get("voidedReason").asText());
    envelope.put("statusChangedDateTime", Instant.now().toString());
    ledger.effect(VendorSandbox.ENVELOPE_VOID);
    ObjectNode reply = SandboxHttp.object();
    reply.put("envelopeId", path.group(2));
    return Reply.json(200, reply);
  }

  /** Marks an envelope signed by everyone, as if its signers had finished (a signed envelope can no longer be voided). */
  synchronized boolean complete(String envelopeId) {
    ObjectNode envelope = envelopes.get(envelopeId);
    if (envelope == null) {
      return false;
    }
    envelope.put("status", "completed");
    return true;
  }

  private boolean authorized(Request request, String pathAccount) {
    return accountId.equals(pathAccount) && request.authorizedBy("Bearer " + token);
  }

  private static Reply error(int status, String code, String message) {
    ObjectNode body = SandboxHttp.object();
    body.put("errorCode", code);
    body.put("message", message);
    return Reply.json(status, body);
  }
}
