package io.fabric.cli;

import io.fabric.contracts.RequestStatus;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON shape of a request status, shared by {@code fabric status -o json} and the HTTP API. */
final class StatusJson {
  private StatusJson() {}

  static Map<String, Object> of(RequestStatus s) {
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

  static String line(RequestStatus s) {
    StringBuilder text = new StringBuilder(s.getRequestId()).append(": ").append(s.getOutcome());
    if (s.getReason() != null) {
      text.append(" (").append(s.getReason()).append(')');
    }
    text.append("  action=").append(s.getAction());
    if (s.getActionClass() != null) {
      text.append(" class=").append(s.getActionClass());
    }
    text.append(" tenant=").append(s.getTenantId()).append(" flow=").append(s.getFlowId());
    if (s.getDuplicateOf() != null) {
      text.append(" duplicate_of=").append(s.getDuplicateOf());
    }
    if (s.getDetail() != null) {
      text.append("\n  ").append(s.getDetail());
    }
    return text.toString();
  }
}
