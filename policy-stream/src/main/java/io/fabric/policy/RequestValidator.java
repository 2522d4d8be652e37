package io.fabric.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.records.Identifiers;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Finds what makes a request unusable, in words the submitter can act on. This is the gate's copy of
 * the request contract: a producer may write any bytes to ingress, so nothing the client library
 * checks is assumed here.
 */
public final class RequestValidator {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ACTION = Pattern.compile("[a-z][a-z0-9_]{0,63}");
  static final int MAX_ATTRIBUTES = 32;
  static final int MAX_ATTRIBUTE_NAME = 64;
  static final int MAX_ATTRIBUTE_VALUE = 1024;
  static final int MAX_SOURCE = 128;
  static final int MAX_TRACEPARENT = 128;
  static final int MAX_APPROVAL_TOKEN = 8192;

  /**
   * Why a request is refused; {@code forgery} when it claims something only the fabric may state
   * (a reserved attribute, replay lineage off the replay topic), which security must hear of.
   */
  public record Problem(String detail, boolean forgery) {}

  private final int maxPayloadBytes;

  public RequestValidator(int maxPayloadBytes) {
    this.maxPayloadBytes = maxPayloadBytes;
  }

  /**
   * @param fromReplays whether the request was read from {@code fabric.tasks.replays}, the only input
   *     on which replay lineage is accepted (and required)
   */
  public Optional<Problem> problem(TaskRequest request, boolean fromReplays) {
    Optional<String> reserved = ReservedNames.firstReservedAttribute(request.getAttributes());
    if (reserved.isPresent()) {
      return forgery("attribute '" + reserved.get() + "' is reserved: names starting with '" + ReservedNames.ATTRIBUTE_PREFIX
          + "' are set by the fabric only");
    }
    if (!fromReplays && request.getReplay() != null) {
      return forgery("replay lineage (dead letter " + request.getReplay().getDeadLetterId()
          + ") is accepted only from the DLQ replayer's topic, not on ingress");
    }
    if (fromReplays && request.getReplay() == null) {
      return forgery("a request on the replay topic must carry its replay lineage");
    }
    if (blank(request.getTenantId())) {
      return plain("tenant_id is missing: every request must name its tenant");
    }
    if (blank(request.getAction())) {
      return plain("action is missing: name the task type, e.g. summarize");
    }
    if (!ACTION.matcher(request.getAction()).matches()) {
      return plain("action '" + request.getAction() + "' is not a task type name (lower-case letters, digits, '_', at most 64)");
    }
    Optional<String> names = Identifiers.problem(request);
    if (names.isPresent()) {
      return plain(names.get());
    }
    Optional<String> unbounded = unboundedField(request);
    if (unbounded.isPresent()) {
      return plain(unbounded.get());
    }
    int size = request.getPayload().getBytes(StandardCharsets.UTF_8).length;
    if (size > maxPayloadBytes) {
      return plain("payload is " + size + " bytes, over the limit of " + maxPayloadBytes
          + " bytes (limits.max_payload_bytes): store large content elsewhere and pass a reference");
    }
    try {
      JsonNode payload = JSON.readTree(request.getPayload());
      if (payload == null || !payload.isObject()) {
        return plain("payload must be a JSON object, got " + (payload == null ? "nothing" : payload.getNodeType().name().toLowerCase(java.util.Locale.ROOT)));
      }
    } catch (JsonProcessingException e) {
      return plain("payload is not valid JSON: " + e.getOriginalMessage());
    }
    return Optional.empty();
  }

  /**
   * Every field is bounded, not only the payload: a record the broker accepts compressed would
   * otherwise be copied into repartition topics, stores and outcomes until a write exceeds
   * {@code max.request.size} and stops the gate's task.
   */
  private static Optional<String> unboundedField(TaskRequest request) {
    if (request.getAttributes().size() > MAX_ATTRIBUTES) {
      return Optional.of("attributes has " + request.getAttributes().size() + " entries, over the limit of " + MAX_ATTRIBUTES);
    }
    for (Map.Entry<String, String> attribute : request.getAttributes().entrySet()) {
      if (attribute.getKey().length() > MAX_ATTRIBUTE_NAME || attribute.getValue().length() > MAX_ATTRIBUTE_VALUE) {
        return Optional.of("attribute '" + attribute.getKey().substring(0, Math.min(40, attribute.getKey().length()))
            + "' is too long: names at most " + MAX_ATTRIBUTE_NAME + " characters, values at most " + MAX_ATTRIBUTE_VALUE);
      }
    }
    if (request.getSource().length() > MAX_SOURCE) {
      return Optional.of("source is " + request.getSource().length() + " characters, over the limit of " + MAX_SOURCE);
    }
    if (request.getTraceparent() != null && request.getTraceparent().length() > MAX_TRACEPARENT) {
      return Optional.of("traceparent is " + request.getTraceparent().length() + " characters, over the limit of " + MAX_TRACEPARENT);
    }
    if (request.getApprovalToken() != null && request.getApprovalToken().length() > MAX_APPROVAL_TOKEN) {
      return Optional.of("approval_token is " + request.getApprovalToken().length() + " characters, over the limit of " + MAX_APPROVAL_TOKEN);
    }
    return Optional.empty();
  }

  private static Optional<Problem> plain(String detail) {
    return Optional.of(new Problem(detail, false));
  }

  private static Optional<Problem> forgery(String detail) {
    return Optional.of(new Problem(detail, true));
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
