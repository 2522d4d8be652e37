package io.fabric.gateway.http;

import io.fabric.contracts.RequestStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shape of a request status, shared by the HTTP API and {@code fabric status -o json}. */
public final class RequestStatusJson {
  private RequestStatusJson() {}

  public static Map<String, Object> of(RequestStatus s) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("request_id", s.getRequestId());
    json.put("tenant_id", s.getTenantId());
    json.put("flow_id", s.getFlowId());
    json.put("action", s.getAction());
    json.put("class", s.getActionClass());
    json.put("outcome", s.getOutcome());
    json.put("reason", s.getReason());
    json.put("detail", s.getDetail());
    json.put("rule", s.getRule());
    json.put("policy_version", s.getPolicyVersion());
    json.put("duplicate_of", s.getDuplicateOf());
    json.put("updated_at", Instant.ofEpochMilli(s.getUpdatedAt()).toString());
    return json;
  }
}
