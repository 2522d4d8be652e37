package io.fabric.audit.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.schemas.AvroSerde;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Red-team cases: what an attacker with a raw producer (or a sequencer replay) does to the chain, and what verify must say. */
class ChainVerifierRedTeamTest {
  private static final AvroSerde<ChainedAuditEvent> CHAINED = AvroSerde.of(ChainedAuditEvent.class);

  /** Varint of Avro's zig-zag long encoding. */
  private static byte[] zigzag(long n) {
    long v = (n << 1) ^ (n >> 63);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((v & ~0x7FL) != 0) {
      out.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    out.write((int) v);
    return out.toByteArray();
  }

  @Test
  void aTinyRecordThatDeclaresAHugeFieldIsReportedUndecodableAndDoesNotExhaustTheHeap() {
    // Given a 20-byte record: a real ChainedAuditEvent header (C3 01 + fingerprint), sequence 0, then a previous_hash
    // that claims to be almost 2 GiB long (Avro allocates the declared length before reading it)
    byte[] valid = CHAINED.serialize("t", ChainVerifierTest.chain(1).get(0));
    ByteArrayOutputStream crafted = new ByteArrayOutputStream();
    crafted.write(valid, 0, 10);
    crafted.writeBytes(zigzag(0));
    crafted.writeBytes(zigzag(Integer.MAX_VALUE - 16));
    crafted.writeBytes(new byte[8]);

    // When verify walks it (the CLI runs with -Xmx768m)
    ChainVerifier verifier = new ChainVerifier(0);
    verifier.accept(0, crafted.toByteArray());
    ChainVerifier.PartitionReport report = verifier.finish();

    // Then it is named as an undecodable record, not an OutOfMemoryError that kills `fabric audit verify`
    assertEquals(1, report.breaks().size(), report.breaks().toString());
    assertEquals(ChainVerifier.BreakKind.UNDECODABLE, report.breaks().get(0).kind());
  }

  @Test
  void anEventChainedTwiceFromTheSameSourceOffsetIsABreak() {
    // Given the sequencer chained fabric.audit 0@5 twice (its committed input offset was lost, e.g. the group's offsets
    // expired after offsets.retention.minutes while it was down, or someone reset them): both links are valid
    List<ChainedAuditEvent> chain = ChainVerifierTest.chain(3);
    ChainHead head = ChainHead.after(chain.get(2));
    ChainedAuditEvent replayed = head.link(ChainHash.bytes(chain.get(1).getEvent()), 0, chain.get(1).getSourceOffset());
    ChainVerifier verifier = new ChainVerifier(0);
    long offset = 0;
    for (ChainedAuditEvent c : List.of(chain.get(0), chain.get(1), chain.get(2), replayed)) {
      verifier.accept(offset, CHAINED.serialize("t", c));
      offset += 2;
    }

    // Then verify names the second copy: "every audit event is chained exactly once" no longer holds
    ChainVerifier.PartitionReport report = verifier.finish();
    assertFalse(report.intact(), "a replayed event verified as an intact chain");
    assertEquals(6, report.breaks().get(0).offset());
    assertTrue(report.breaks().get(0).detail().contains("source offset"), report.breaks().get(0).detail());
  }

  @Test
  void aRecordWhosePreviousHashIsNot32BytesIsEditedNotACrash() {
    ChainedAuditEvent first = ChainVerifierTest.chain(1).get(0);
    byte[] shortPrevious = Arrays.copyOf(ChainHash.bytes(first.getPreviousHash()), 5);
    ChainedAuditEvent edited = ChainedAuditEvent.newBuilder(first).setPreviousHash(java.nio.ByteBuffer.wrap(shortPrevious)).build();
    ChainVerifier verifier = new ChainVerifier(0);
    verifier.accept(0, CHAINED.serialize("t", edited));
    assertEquals(ChainVerifier.BreakKind.EDITED, verifier.finish().breaks().get(0).kind());
  }

  @Test
  void onATopicKeptForeverAChainThatNoLongerStartsAtSequenceZeroIsABreak() {
    // Given someone with DeleteRecords on the chain topic deleted its first records: a chain kept forever (retention.ms=-1)
    // never ages out, so the later start can only be a deletion
    List<ChainedAuditEvent> chain = ChainVerifierTest.chain(5);
    ChainVerifier verifier = new ChainVerifier(0, true);
    verifier.accept(6, CHAINED.serialize("t", chain.get(3)));
    verifier.accept(8, CHAINED.serialize("t", chain.get(4)));

    ChainVerifier.PartitionReport report = verifier.finish();
    assertEquals(1, report.breaks().size(), report.breaks().toString());
    assertEquals(ChainVerifier.BreakKind.MISSING, report.breaks().get(0).kind());
    assertEquals(6, report.breaks().get(0).offset());

    // a topic with a finite retention may legitimately start later, as before
    ChainVerifier aged = new ChainVerifier(0, false);
    aged.accept(6, CHAINED.serialize("t", chain.get(3)));
    assertTrue(aged.finish().intact());
  }
}
