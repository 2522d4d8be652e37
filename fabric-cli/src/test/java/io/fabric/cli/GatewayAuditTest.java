package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.AuditEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** What {@code /v1/audit/events} selects, and which tenants a pack names (the gateway serves it only to a key holding them all). */
class GatewayAuditTest {
  private static final Instant NOW = Instant.parse("2026-12-02T02:00:00Z");

  @Test
  void eventsAreSelectedByTypeFlowRequestAndAgeAndTheCountIsBounded() {
    Predicate<AuditEvent> filter = GatewayAudit.filter(Map.of("type", List.of("POLICY_VIOLATION,SECURITY_EVENT"), "since", List.of("PT1H")), NOW);
    assertTrue(filter.test(event("POLICY_VIOLATION", NOW.minusSeconds(60))));
    assertTrue(filter.test(event("SECURITY_EVENT", NOW.minusSeconds(60))));
    assertFalse(filter.test(event("TOKEN_ACCEPTED", NOW.minusSeconds(60))));
    assertFalse(filter.test(event("POLICY_VIOLATION", NOW.minusSeconds(7200))), "older than since");
    assertEquals(GatewayAudit.DEFAULT_EVENTS, GatewayAudit.count(Map.of()));
    assertThrows(IllegalArgumentException.class, () -> GatewayAudit.count(Map.of("n", List.of("100000"))));
    assertThrows(IllegalArgumentException.class, () -> GatewayAudit.filter(Map.of("tenant", List.of("globex")), NOW),
        "the tenant comes from the key, never from the query");
    assertThrows(IllegalArgumentException.class, () -> GatewayAudit.filter(Map.of("since", List.of("an hour")), NOW));
  }

  @Test
  void aPackNamesEveryTenantAnywhereInItsRecords() {
    String pack = "{\"flow_id\":\"f\",\"items\":[{\"record\":{\"request\":{\"tenant_id\":\"acme\"}}},"
        + "{\"record\":{\"event\":{\"tenant_id\":\"globex\",\"detail\":\"x\"}}},{\"record\":{\"tenant_id\":null}}]}";
    assertEquals(Set.of("acme", "globex"), GatewayAudit.tenantsNamed(pack));
  }

  private static AuditEvent event(String type, Instant at) {
    return AuditEvent.newBuilder().setId("e").setAt(at.toEpochMilli()).setType(type).setTenantId("acme").setDetail("d").build();
  }
}
