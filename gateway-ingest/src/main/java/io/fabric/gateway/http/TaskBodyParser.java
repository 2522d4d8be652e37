package io.fabric.gateway.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.schemas.topics.ReservedNames;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns one JSON task of {@code POST /v1/tasks} into the request the gateway will sign, or says
 * which fields are wrong. The tenant comes from the caller's credential: a body may name it only
 * when the credential allows that tenant; naming another is not a field error but a refusal
 * ({@link Parsed#foreignTenant}), which the gateway answers with 403 and audits. A caller-chosen
 * {@code request_id} is scoped to the tenant ({@code tenant:T:ID}, see
 * {@link ReservedNames#tenantScopedRequestId}), and the 202 answers with that id.
 */
public final class TaskBodyParser {
  static final Set<String> FIELDS = Set.of("tenant_id", "action", "payload", "flow_id", "request_id", "idempotency_key",
      "approval_token", "traceparent", "final_step", "attributes");
  /** Fields of the Kafka record that only the gateway sets. */
  static final Set<String> GATEWAY_FIELDS = Set.of("submitter", "submitter_signature", "submitted_at", "source", "replay");

  /** A request ready to sign, or the field errors, or the tenant the caller may not act for. */
  public record Parsed(Optional<TaskRequest> request, List<FieldError> errors, Optional<String> foreignTenant) {}

  private TaskBodyParser() {}

  /**
   * @param idempotencyKey from the {@code Idempotency-Key} header (already made unique per batch item), or null
   */
  public static Parsed parse(JsonNode body, Caller caller, String idempotencyKey, long nowMillis) {
    List<FieldError> errors = new ArrayList<>();
    if (body == null || !body.isObject()) {
      return invalid(List.of(new FieldError("", "a task must be a JSON object")));
    }
    body.fieldNames().forEachRemaining(name -> {
      if (GATEWAY_FIELDS.contains(name)) {
        errors.add(new FieldError(name, "set by the gateway, not by the caller"));
      } else if (!FIELDS.contains(name)) {
        errors.add(new FieldError(name, "unknown field"));
      }
    });
    String tenant = text(body, "tenant_id", errors);
    if (tenant == null) {
      tenant = caller.soleTenant().orElse(null);
      if (tenant == null) {
        errors.add(new FieldError("tenant_id", "required: this credential acts for several tenants"));
      }
    } else if (!caller.mayActFor(tenant)) {
      return new Parsed(Optional.empty(), List.of(), Optional.of(tenant));
    }
    String action = text(body, "action", errors);
    if (action == null || action.isBlank()) {
      errors.add(new FieldError("action", "required"));
    }
    String payload = "{}";
    JsonNode payloadNode = body.get("payload");
    if (payloadNode != null && !payloadNode.isNull()) {
      if (payloadNode.isObject() || payloadNode.isArray()) {
        payload = payloadNode.toString();
      } else if (payloadNode.isTextual()) {
        payload = payloadNode.asText();
      } else {
        errors.add(new FieldError("payload", "must be a JSON object (or JSON text in a string)"));
      }
    }
    String bodyKey = text(body, "idempotency_key", errors);
    if (bodyKey != null && idempotencyKey != null) {
      errors.add(new FieldError("idempotency_key", "given both in the body and in the Idempotency-Key header; use one"));
    }
    Boolean finalStep = false;
    JsonNode finalNode = body.get("final_step");
    if (finalNode != null && !finalNode.isNull()) {
      if (finalNode.isBoolean()) {
        finalStep = finalNode.asBoolean();
      } else {
        errors.add(new FieldError("final_step", "must be true or false"));
      }
    }
    Map<String, String> attributes = new LinkedHashMap<>();
    JsonNode attributesNode = body.get("attributes");
    if (attributesNode != null && !attributesNode.isNull()) {
      if (!attributesNode.isObject()) {
        errors.add(new FieldError("attributes", "must be an object of strings"));
      } else {
        attributesNode.fields().forEachRemaining(e -> {
          if (!e.getValue().isTextual()) {
            errors.add(new FieldError("attributes." + e.getKey(), "must be a string"));
          } else if (e.getKey().startsWith(ReservedNames.ATTRIBUTE_PREFIX) || e.getKey().equals(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE)) {
            errors.add(new FieldError("attributes." + e.getKey(), "reserved: set by the fabric or the gateway only"));
          } else {
            attributes.put(e.getKey(), e.getValue().asText());
          }
        });
      }
    }
    String flowId = text(body, "flow_id", errors);
    String requestId = text(body, "request_id", errors);
    String approvalToken = text(body, "approval_token", errors);
    String traceparent = text(body, "traceparent", errors);
    if (!errors.isEmpty()) {
      return invalid(errors);
    }
    attributes.put(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE, caller.name());
    if (requestId != null) {
      // a chosen id is the tenant's own: another tenant choosing the same one (an order number) gets another request id
      requestId = ReservedNames.tenantScopedRequestId(tenant, requestId);
    }
    try {
      TaskRequest request = Submission.of(tenant, action).payload(payload).flowId(flowId).requestId(requestId)
          .idempotencyKey(idempotencyKey != null ? idempotencyKey : bodyKey).approvalToken(approvalToken).traceparent(traceparent)
          .finalStep(finalStep).source("http-gateway").attributes(attributes).toRequest(nowMillis);
      return new Parsed(Optional.of(request), List.of(), Optional.empty());
    } catch (IllegalArgumentException e) {
      // Identifiers' messages start with the field they are about ("flow_id 'x y' is not allowed: ...").
      String message = e.getMessage();
      String field = message.contains(" ") ? message.substring(0, message.indexOf(' ')) : "";
      return invalid(List.of(new FieldError(FIELDS.contains(field) ? field : "", message)));
    }
  }

  private static Parsed invalid(List<FieldError> errors) {
    return new Parsed(Optional.empty(), List.copyOf(errors), Optional.empty());
  }

  private static String text(JsonNode body, String field, List<FieldError> errors) {
    JsonNode node = body.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual()) {
      errors.add(new FieldError(field, "must be a string"));
      return null;
    }
    return node.asText();
  }
}
