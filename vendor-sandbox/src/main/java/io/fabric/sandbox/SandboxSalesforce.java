package io.fabric.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/** Salesforce's upsert by external id as the sandbox plays it: 201 when created, 200 when updated, one record per external id. */
final class SandboxSalesforce {
  private final String token;
  private final SandboxLedger ledger;
  private final Map<String, String> idsByExternalId = new HashMap<>();
  private final Map<String, ObjectNode> records = new HashMap<>();

  SandboxSalesforce(String token, SandboxLedger ledger) {
    this.token = token;
    this.ledger = ledger;
  }

  synchronized Reply upsert(Request request, Matcher path) {
    if (!request.authorizedBy("Bearer " + token)) {
      return error(401, "INVALID_SESSION_ID", "Session expired or invalid");
    }
    Optional<ObjectNode> fields = request.jsonObject();
    if (fields.isEmpty()) {
      return error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object of field values");
    }
    String sObject = path.group(1);
    String field = path.group(2);
    if (fields.get().has(field)) {
      return error(400, "INVALID_FIELD", "The external ID field " + field + " must not be in the body of an upsert by it");
    }
    String key = sObject + "/" + field + "/" + SandboxHttp.form("v=" + path.group(3)).get("v");
    String id = idsByExternalId.get(key);
    boolean created = id == null;
    if (created) {
      id = String.format("001SBX%09d", idsByExternalId.size() + 1);
      idsByExternalId.put(key, id);
      records.put(id, SandboxHttp.object());
      ledger.effect(VendorSandbox.SALESFORCE_RECORD);
    }
    records.get(id).setAll(fields.get());
    ObjectNode reply = SandboxHttp.object();
    reply.put("id", id);
    reply.put("success", true);
    reply.putArray("errors");
    reply.put("created", created);
    return Reply.json(created ? 201 : 200, reply);
  }

  private static Reply error(int status, String code, String message) {
    ArrayNode body = SandboxHttp.JSON.createArrayNode();
    body.addObject().put("message", message).put("errorCode", code).putArray("fields");
    return Reply.json(status, body);
  }
}
