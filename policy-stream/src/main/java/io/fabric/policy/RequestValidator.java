package io.fabric.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.TaskRequest;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Pattern;

/** Finds what makes a request unusable, in words the submitter can act on. */
public final class RequestValidator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  private final int maxPayloadBytes;

  public RequestValidator(int maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  public Optional<String> problem(TaskRequest request) {
    if (blank(request.getRequestId())) {
      return Optional.of("request_id is missing");
    }
    if (blank(request.getTenantId())) {
      return Optional.of("tenant_id is missing: every request must name its tenant");
    }
    if (blank(request.getAction())) {
      return Optional.of("action is missing: name the task type, e.g. summarize");
    }
    if (!ACTION.matcher(request.getAction()).matches()) {
      return Optional.of("action '" + request.getAction() + "' is not a task type name (lower-case letters, digits, '_')");
    }
    if (blank(request.getFlowId())) {
      return Optional.of("flow_id is missing");
    }
    int size = request.getPayload().getBytes(StandardCharsets.UTF_8).length;
    if (size > maxPayloadBytes) {
      return Optional.of("payload is " + size + " bytes, over the limit of " + maxPayloadBytes
          + " bytes (limits.max_payload_bytes): store large content elsewhere and pass a reference");
    }
    try {
      JsonNode payload = JSON.readTree(request.getPayload());
      if (payload == null || !payload.isObject()) {
        return Optional.of("payload must be a JSON object, got " + (payload == null ? "nothing" : payload.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
      }
    } catch (JsonProcessingException e) {
      return Optional.of("payload is not valid JSON: " + e.getOriginalMessage());
    }
    return Optional.empty();
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
