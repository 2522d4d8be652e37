package io.fabric.policy.topology;

import io.fabric.contracts.AuditEvent;
import io.fabric.policy.limits.LimitLedger;
import io.fabric.schemas.records.AuditEvents;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backstop of the concurrency slots of a stage (limits, plugin caps): a slot no final status freed
 * within the policy's {@code limits.slot_lease} is reclaimed ({@link LimitLedger#reclaimExpired}),
 * and each one is said out loud (audit {@code SLOT_RECLAIMED} and a warning naming the request), so
 * an operator sees a leak instead of a tenant whose requests wait for ever.
 */
final class SlotLeases {
  private static final Logger LOG = LoggerFactory.getLogger(SlotLeases.class);

  private SlotLeases() {}

  static void reclaim(String stage, LimitLedger ledger, Duration lease, Emitter emit, long now) {
    for (LimitLedger.Reclaimed slot : ledger.reclaimExpired(lease, now)) {
      String detail = stage + ": the slot(s) " + slot.budgets() + " of request " + slot.requestId() + " (tenant " + slot.tenant()
          + "), taken at " + Instant.ofEpochMilli(slot.since()) + ", were not freed by a final status within limits.slot_lease "
          + lease + "; reclaimed";
      LOG.warn("{}", detail);
      AuditEvent event = AuditEvents.about(AuditEvents.SLOT_RECLAIMED, null, null, detail, now);
      event.setTenantId(slot.tenant());
      event.setRequestId(slot.requestId());
      emit.about(null).forward(slot.requestId(), event, now);
    }
  }
}
