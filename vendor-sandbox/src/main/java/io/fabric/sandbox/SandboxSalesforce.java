package io.fabric.sandbox;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;

/**
 * Salesforce's records by external id as the sandbox plays them: an upsert ({@code PATCH}) answers
 * 201 when created, 200 when updated, one record per external id, each owned by the sandbox's user
 * until an {@code OwnerId} is set; a read ({@code GET}, optional {@code fields=}) answers the record
 * or 404 {@code NOT_FOUND}.
 */
final class SandboxSalesforce {
  private final String token;
  private final SandboxLedger ledger;
  private final Map<String, String> idsByExternalId = new HashMap<>();
  private final Map<String, ObjectNode> records = new HashMap<>();

  SandboxSalesforce(String token, SandboxLedger ledger) {
    this.token = token;
    this.ledger = ledger;
  }

  /** The sandbox org's user: the owner of every record until an {@code OwnerId} is set. */
  static final String DEFAULT_OWNER_ID = "005SBX000000001AAA";

  /** GET reads a record, PATCH upserts it. */
  synchronized Reply record(Request request, Matcher path) {
    if (!request.authorizedBy("Bearer " + token)) {
      return error(401, "INVALID_SESSION_ID", "Session expired or invalid");
    }
    return request.method().equals("GET") ? read(request, path) : upsert(request, path);
  }

  private Reply read(Request request, Matcher path) {
    String id = idsByExternalId.get(key(path));
    if (id == null) {
      return error(404, "NOT_FOUND", "The requested resource does not exist");
    }
    ObjectNode stored = records.get(id);
    ObjectNode reply = SandboxHttp.object();
    reply.putObject("attributes").put("type", path.group(1)).put("url", "/services/data/v60.0/sobjects/" + path.group(1) + "/" + id);
    String fields = request.queryParams().get("fields");
    if (fields == null) {
      reply.setAll(stored);
    } else {
      for (String field : fields.split(",")) {
        reply.set(field.strip(), stored.has(field.strip()) ? stored.get(field.strip()) : null);
      }
    }
    return Reply.json(200, reply);
  }

  private Reply upsert(Request request, Matcher path) {
    Optional<ObjectNode> fields = request.jsonObject();
    if (fields.isEmpty()) {
      return error(400, "JSON_PARSER_ERROR", "The request body must be a JSON object of field values");
    }
    String field = path.group(2);
    if (fields.get().has(field)) {
      return error(400, "INVALID_FIELD", "The external ID field " + field + " must not be in the body of an upsert by it");
    }
    String key = key(path);
    String id = idsByExternalId.get(key);
    boolean created = id == null;
    if (created) {
      id = String.format("001SBX%09d", idsByExternalId.size() + 1);
      idsByExternalId.put(key, id);
      records.put(id, SandboxHttp.object().put("Id", id).put(field, externalId(path)).put("OwnerId", DEFAULT_OWNER_ID));
      ledger.effect(VendorSandbox.SALESFORCE_RECORD);
    }
    ObjectNode record = records.get(id);
    if (fields.get().hasNonNull("OwnerId") && !fields.get().get("OwnerId").asText().equals(record.path("OwnerId").asText())) {
      ledger.effect(VendorSandbox.SALESFORCE_OWNER_CHANGE);
    }
    record.setAll(fields.get());
    ObjectNode reply = SandboxHttp.object();
    reply.put("id", id);
    reply.put("success", true);
    reply.putArray("errors");
    reply.put("created", created);
    return Reply.json(created ? 201 : 200, reply);
  }

  private static String key(Matcher path) {
    return path.group(1) + "/" + path.group(2) + "/" + externalId(path);
  }

  private static String externalId(Matcher path) {
    return SandboxHttp.form("v=" + path.group(3)).get("v");
  }

  private static Reply error(int status, String code, String message) {
    ArrayNode body = SandboxHttp.JSON.createArrayNode();
    body.addObject().put("message", message).put("errorCode", code).putArray("fields");
    return Reply.json(status, body);
  }
}
