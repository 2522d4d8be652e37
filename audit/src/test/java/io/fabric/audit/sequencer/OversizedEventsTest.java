package io.fabric.audit.sequencer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.audit.chain.ChainHash;
import io.fabric.contracts.AuditEvent;
import io.fabric.schemas.AvroSerde;
import org.junit.jupiter.api.Test;

class OversizedEventsTest {
  private static final AvroSerde<AuditEvent> SERDE = AvroSerde.of(AuditEvent.class);

  @Test
  void anEventOverTheBoundIsChainedAsABoundedStandInThatNamesTheOriginal() {
    AuditEvent big = AuditEvent.newBuilder().setId("e1").setAt(7L).setType("SECURITY_EVENT").setTenantId("acme")
        .setFlowId("f".repeat(5000)).setDetail("A".repeat(2 * 1024 * 1024)).build();
    byte[] canonical = SERDE.serialize("t", big);
    assertTrue(OversizedEvents.tooLarge(canonical));

    AuditEvent standIn = OversizedEvents.standIn(big, canonical, "fabric.audit", 2, 41);

    assertFalse(OversizedEvents.tooLarge(SERDE.serialize("t", standIn)));
    assertEquals("e1", standIn.getId());
    assertEquals(7L, standIn.getAt());
    assertEquals("acme", standIn.getTenantId());
    assertEquals(OversizedEvents.MAX_FIELD_CHARS + 1, standIn.getFlowId().length(), "cut, with a mark");
    assertTrue(standIn.getDetail().contains(ChainHash.hex(ChainHash.sha256(canonical))), standIn.getDetail());
    assertTrue(standIn.getDetail().contains("fabric.audit-2@41"), standIn.getDetail());
  }

  @Test
  void anOrdinaryEventIsNotTooLarge() {
    assertFalse(OversizedEvents.tooLarge(SERDE.serialize("t", AuditEvent.newBuilder().setId("e").setAt(1L).setType("T").setDetail("d").build())));
  }
}
