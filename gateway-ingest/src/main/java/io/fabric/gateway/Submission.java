package io.fabric.gateway;

import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.records.Identifiers;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.topics.ReservedNames;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What an upstream system asks the fabric to do. Unset ids get defaults: a new request id, the
 * flow id of a new flow (= the request id), and the request id as idempotency key (so a caller
 * that retries must pass its own key to be deduplicated). Ids must fit {@link Identifiers}; the
 * gate blocks a request whose ids do not, so {@link #toRequest} refuses it up front.
 */
public final class Submission {
  private final String tenantId;
  private final String action;
  private String payload = "{}";
  private String requestId;
  private String flowId;
  private String idempotencyKey;
  private String approvalToken;
  private String source = "gateway";
  private String traceparent;
  private boolean finalStep;
  private Map<String, String> attributes = Map.of();

  private Submission(String tenantId, String action) {
    this.tenantId = Objects.requireNonNull(tenantId, "tenant");
    this.action = Objects.requireNonNull(action, "action");
  }

  public static Submission of(String tenantId, String action) {
    return new Submission(tenantId, action);
  }

  public Submission payload(String json) {
    this.payload = json;
    return this;
  }

  public Submission requestId(String id) {
    this.requestId = id;
    return this;
  }

  public Submission flowId(String id) {
    this.flowId = id;
    return this;
  }

  public Submission idempotencyKey(String key) {
    this.idempotencyKey = key;
    return this;
  }

  public Submission approvalToken(String token) {
    this.approvalToken = token;
    return this;
  }

  public Submission source(String name) {
    this.source = name;
    return this;
  }

  public Submission traceparent(String value) {
    this.traceparent = value;
    return this;
  }

  public Submission finalStep(boolean value) {
    this.finalStep = value;
    return this;
  }

  /** Free-form labels; names starting with {@value ReservedNames#ATTRIBUTE_PREFIX} are reserved for the fabric itself. */
  public Submission attributes(Map<String, String> values) {
    ReservedNames.firstReservedAttribute(values).ifPresent(k -> {
      throw new IllegalArgumentException("attribute '" + k + "' is reserved: names starting with '" + ReservedNames.ATTRIBUTE_PREFIX
          + "' are set by the fabric only");
    });
    this.attributes = Map.copyOf(values);
    return this;
  }

  /**
   * The record as it goes on the ingress topic.
   *
   * @throws IllegalArgumentException naming the field when an id breaks {@link Identifiers}
   */
  public TaskRequest toRequest(long nowMillis) {
    String id = blank(requestId) ? UUID.randomUUID().toString() : requestId;
    return requireSendable(TaskRequest.newBuilder()
        .setRequestId(id)
        .setTenantId(tenantId)
        .setAction(action)
        .setFlowId(blank(flowId) ? id : flowId)
        .setPayload(payload == null ? "{}" : payload)
        .setIdempotencyKey(blank(idempotencyKey) ? id : idempotencyKey)
        .setApprovalToken(blank(approvalToken) ? null : approvalToken)
        .setSubmittedAt(nowMillis)
        .setSource(source)
        .setTraceparent(blank(traceparent) ? TraceContext.newTraceparent() : traceparent)
        .setFinalStep(finalStep)
        .setAttributes(attributes)
        .build());
  }

  /**
   * The request, when the gate would not block it for what the client can check: ids within
   * {@link Identifiers}, no reserved attribute, no replay lineage (only the DLQ replayer sets it, on
   * the replays topic).
   *
   * @throws IllegalArgumentException naming the field that is wrong
   */
  static TaskRequest requireSendable(TaskRequest request) {
    Identifiers.problem(request).ifPresent(problem -> {
      throw new IllegalArgumentException(problem);
    });
    ReservedNames.firstReservedAttribute(request.getAttributes()).ifPresent(name -> {
      throw new IllegalArgumentException("attribute '" + name + "' is reserved: names starting with '"
          + ReservedNames.ATTRIBUTE_PREFIX + "' are set by the fabric only");
    });
    if (request.getReplay() != null) {
      throw new IllegalArgumentException("replay is set by the DLQ replayer only; the gate blocks it on the ingress topic");
    }
    return request;
  }

  private static boolean blank(String s) {
    return s == null || s.isBlank();
  }
}
