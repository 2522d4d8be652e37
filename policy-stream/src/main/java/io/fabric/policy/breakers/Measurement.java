package io.fabric.policy.breakers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.RoutedTask;
import io.fabric.schemas.records.AuditEvents;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One observation a breaker counts, for one scope: a class-C attempt, a security event, a dead
 * letter, or an amount spent (a payload field of a routed request). Encoded as one line of text on
 * the breaker stage's repartition topic: {@code measure|field|amount|at|tenant}.
 */
public record Measurement(BreakerRule.Measure measure, String field, double amount, long at, String tenant) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The measurements a record of the audit, dead-letter or routed topic gives, by scope key; only for measures {@code rules} count. */
  public static List<Map.Entry<String, Measurement>> of(Object record, BreakerRules rules) {
    List<Map.Entry<String, Measurement>> out = new ArrayList<>();
    if (rules.isEmpty()) {
      return out;
    }
    if (record instanceof AuditEvent event) {
      BreakerRule.Measure measure = AuditEvents.POLICY_VIOLATION.equals(event.getType()) ? BreakerRule.Measure.CLASS_C_ATTEMPTS
          : AuditEvents.SECURITY_EVENT.equals(event.getType()) ? BreakerRule.Measure.SECURITY_EVENTS : null;
      if (measure != null && rules.measures(measure)) {
        scopes(out, event.getTenantId(), event.getSubmitter(), new Measurement(measure, null, 1, event.getAt(), event.getTenantId()));
      }
    } else if (record instanceof DeadLetter dead && rules.measures(BreakerRule.Measure.DEAD_LETTERS) && !isApprovalNotice(dead)) {
      scopes(out, dead.getTenantId(), dead.getSubmitter(), new Measurement(BreakerRule.Measure.DEAD_LETTERS, null, 1, dead.getAt(), dead.getTenantId()));
    } else if (record instanceof RoutedTask routed && rules.measures(BreakerRule.Measure.SPEND)) {
      JsonNode payload = payload(routed.getRequest().getPayload());
      rules.rules().stream().filter(r -> r.measure() == BreakerRule.Measure.SPEND).map(BreakerRule::field).distinct().forEach(field -> {
        JsonNode value = payload == null ? null : payload.get(field);
        if (value != null && value.isNumber() && value.asDouble() > 0 && Double.isFinite(value.asDouble())) {
          scopes(out, routed.getRequest().getTenantId(), routed.getRequest().getSubmitter(), new Measurement(BreakerRule.Measure.SPEND,
              field, value.asDouble(), routed.getDecision().getDecidedAt(), routed.getRequest().getTenantId()));
        }
      });
    }
    return out;
  }

  /** Whether {@code rule} counts this measurement. */
  public boolean countsFor(BreakerRule rule, String scopeKey) {
    return rule.measure() == measure && scopeKey.startsWith(rule.scope().wireName() + ":")
        && (measure != BreakerRule.Measure.SPEND || rule.field().equals(field));
  }

  public String encode() {
    return measure.wireName() + "|" + (field == null ? "" : field) + "|" + amount + "|" + at + "|" + (tenant == null ? "" : tenant);
  }

  public static Optional<Measurement> decode(String text) {
    if (text == null) {
      return Optional.empty();
    }
    String[] parts = text.split("\\|", -1);
    if (parts.length != 5) {
      return Optional.empty();
    }
    try {
      return BreakerRule.Measure.of(parts[0]).map(m -> new Measurement(m, parts[1].isEmpty() ? null : parts[1], Double.parseDouble(parts[2]),
          Long.parseLong(parts[3]), parts[4].isEmpty() ? null : parts[4]));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * A failed escalation notice is the fabric's own delivery problem, not the tenant's: it must not
   * pause the tenant. Told by the reserved attribute on the dead-lettered task (only the gate can set it).
   */
  static boolean isApprovalNotice(DeadLetter dead) {
    if (dead.getOriginalValue() == null) {
      return false;
    }
    try {
      byte[] bytes = new byte[dead.getOriginalValue().remaining()];
      dead.getOriginalValue().duplicate().get(bytes);
      RoutedTask task = io.fabric.schemas.AvroSerde.of(RoutedTask.class).deserialize(dead.getOriginalTopic(), bytes);
      return task != null && task.getRequest().getAttributes().containsKey(io.fabric.policy.escalation.ApprovalNotices.ATTRIBUTE);
    } catch (RuntimeException notARoutedTask) {
      return false;
    }
  }

  private static void scopes(List<Map.Entry<String, Measurement>> out, String tenant, String submitter, Measurement m) {
    if (tenant != null && !tenant.isEmpty()) {
      out.add(Map.entry(BreakerScopes.key(BreakerRule.Scope.TENANT, tenant), m));
    }
    if (submitter != null && !submitter.isEmpty()) {
      out.add(Map.entry(BreakerScopes.key(BreakerRule.Scope.SUBMITTER, submitter), m));
    }
  }

  private static JsonNode payload(String text) {
    try {
      JsonNode node = text == null ? null : JSON.readTree(text);
      return node != null && node.isObject() ? node : null;
    } catch (java.io.IOException e) {
      return null;
    }
  }
}
