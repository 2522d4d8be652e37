package io.fabric.audit.sequencer;

import io.fabric.audit.chain.ChainHash;
import io.fabric.contracts.AuditEvent;

/**
 * Keeps one event from stopping its partition's chain. Anyone who may write {@code fabric.audit} can
 * send an event the broker takes (compressed) but the sequencer could never write back chained (over
 * its producer's {@code max.request.size}): it would fail on that record for ever and chain nothing
 * after it. An event whose canonical encoding is over {@link #MAX_EVENT_BYTES} is therefore chained as
 * a stand-in: the same identity fields, each cut to {@link #MAX_FIELD_CHARS}, and a detail that names
 * the original's size, its SHA-256 and where it is, so the original can still be checked against the chain.
 */
final class OversizedEvents {
  /** Well under the producer's default 1 MiB request, leaving room for the chain's own fields and headers. */
  static final int MAX_EVENT_BYTES = 256 * 1024;
  static final int MAX_FIELD_CHARS = 1024;

  private OversizedEvents() {}

  static boolean tooLarge(byte[] canonical) {
    return canonical.length > MAX_EVENT_BYTES;
  }

  static AuditEvent standIn(AuditEvent original, byte[] canonical, String topic, int partition, long offset) {
    return AuditEvent.newBuilder()
        .setId(cut(original.getId()))
        .setAt(original.getAt())
        .setType(cut(original.getType()))
        .setTenantId(cut(original.getTenantId()))
        .setFlowId(cut(original.getFlowId()))
        .setRequestId(cut(original.getRequestId()))
        .setAction(cut(original.getAction()))
        .setPolicyVersion(cut(original.getPolicyVersion()))
        .setSubmitter(cut(original.getSubmitter()))
        .setDetail("OVERSIZED_EVENT: the original is " + canonical.length + " bytes (over " + MAX_EVENT_BYTES + "), SHA-256 "
            + ChainHash.hex(ChainHash.sha256(canonical)) + ", at " + topic + "-" + partition + "@" + offset + "; chained as this stand-in")
        .build();
  }

  private static String cut(String value) {
    return value == null || value.length() <= MAX_FIELD_CHARS ? value : value.substring(0, MAX_FIELD_CHARS) + "…";
  }
}
