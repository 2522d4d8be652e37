package io.fabric.cli;

import io.fabric.contracts.RequestStatus;
import java.util.Map;

/** The JSON shape of a request status, shared by {@code fabric status -o json} and the HTTP API. */
final class StatusJson {
  private StatusJson() {}

  static Map<String, Object> of(RequestStatus s) {
    return io.fabric.gateway.http.RequestStatusJson.of(s);
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
