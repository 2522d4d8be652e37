package io.fabric.audit.chain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.schemas.AvroSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChainVerifierTest {
  private static final AvroSerde<ChainedAuditEvent> CHAINED = AvroSerde.of(ChainedAuditEvent.class);
  private static final AvroSerde<AuditEvent> EVENTS = AvroSerde.of(AuditEvent.class);

  private record At(long offset, byte[] value) {}

  static byte[] event(int i) {
    return EVENTS.serialize("t", AuditEvent.newBuilder().setId("event-" + i).setAt(1_000L + i).setType("SECURITY_EVENT")
        .setDetail("detail " + i).setFlowId("flow-" + (i % 3)).build());
  }

  /** A chain of n records at offsets 0, 2, 4, ... (transaction markers take the odd ones). */
  static List<ChainedAuditEvent> chain(int n) {
    List<ChainedAuditEvent> chain = new ArrayList<>();
    ChainHead head = ChainHead.genesis();
    for (int i = 0; i < n; i++) {
      ChainedAuditEvent chained = head.link(event(i), 0, i);
      chain.add(chained);
      head = ChainHead.after(chained);
    }
    return chain;
  }

  private static List<At> stored(List<ChainedAuditEvent> chain) {
    List<At> stored = new ArrayList<>();
    for (int i = 0; i < chain.size(); i++) {
      stored.add(new At(2L * i, CHAINED.serialize("t", chain.get(i))));
    }
    return stored;
  }

  private static ChainVerifier.PartitionReport walk(List<At> records) {
    ChainVerifier verifier = new ChainVerifier(0);
    records.forEach(r -> verifier.accept(r.offset(), r.value()));
    return verifier.finish();
  }

  @Test
  void theHashIsSha256OfThePreviousHashThenTheEventBytesAndTheFirstLinksTo32ZeroBytes() throws Exception {
    List<ChainedAuditEvent> chain = chain(2);
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(new byte[32]);
    sha.update(event(0));
    assertArrayEquals(sha.digest(), ChainHash.bytes(chain.get(0).getHash()));
    assertArrayEquals(new byte[32], ChainHash.bytes(chain.get(0).getPreviousHash()));
    assertArrayEquals(ChainHash.bytes(chain.get(0).getHash()), ChainHash.bytes(chain.get(1).getPreviousHash()));
    assertEquals(1, chain.get(1).getSequence());
  }

  @Test
  void anIntactChainVerifiesFromGenesisWithItsHead() {
    List<ChainedAuditEvent> chain = chain(5);
    ChainVerifier.PartitionReport report = walk(stored(chain));
    assertTrue(report.intact(), report.breaks().toString());
    assertTrue(report.fromGenesis());
    assertEquals(5, report.records());
    assertEquals(8, report.lastOffset());
    assertArrayEquals(ChainHash.bytes(chain.get(4).getHash()), report.headHash());
    assertTrue(report.summary().endsWith("verified"), report.summary());
  }

  @Test
  void anEditedEventIsNamedByItsOffsetAndOnlyOnce() {
    List<ChainedAuditEvent> chain = chain(6);
    byte[] edited = event(3);
    edited[edited.length - 2] ^= 1;
    chain.get(3).setEvent(ByteBuffer.wrap(edited));
    ChainVerifier.PartitionReport report = walk(stored(chain));
    assertEquals(1, report.breaks().size(), report.breaks().toString());
    assertEquals(6, report.breaks().get(0).offset());
    assertEquals(ChainVerifier.BreakKind.EDITED, report.breaks().get(0).kind());
  }

  @Test
  void aRewrittenRecordWithARecomputedHashBreaksTheLinkOfTheNextOne() {
    List<ChainedAuditEvent> chain = chain(6);
    byte[] forged = "forged".getBytes(StandardCharsets.UTF_8);
    chain.set(3, new ChainHead(3, ChainHash.bytes(chain.get(2).getHash())).link(forged, 0, 3));
    ChainVerifier.PartitionReport report = walk(stored(chain));
    assertEquals(1, report.breaks().size(), report.breaks().toString());
    assertEquals(8, report.breaks().get(0).offset());
    assertEquals(ChainVerifier.BreakKind.RELINKED, report.breaks().get(0).kind());
    assertTrue(report.breaks().get(0).detail().contains("offset 6"), report.breaks().get(0).detail());
  }

  @Test
  void aDroppedRecordIsNamedAtTheOffsetAfterTheGap() {
    List<At> records = stored(chain(6));
    records.remove(2);
    ChainVerifier.PartitionReport report = walk(records);
    assertEquals(1, report.breaks().size(), report.breaks().toString());
    assertEquals(6, report.breaks().get(0).offset());
    assertEquals(ChainVerifier.BreakKind.MISSING, report.breaks().get(0).kind());
    assertTrue(report.breaks().get(0).detail().contains("sequence 2 "), report.breaks().get(0).detail());
  }

  @Test
  void anInsertedRecordThatLinksCorrectlyIsCaughtByTheRepeatedSequenceAndNamed() {
    List<ChainedAuditEvent> chain = chain(5);
    List<At> records = stored(chain);
    // an attacker who can write the chain topic appends a well-formed record after sequence 2
    ChainedAuditEvent inserted = new ChainHead(3, ChainHash.bytes(chain.get(2).getHash())).link(event(99), 0, 99);
    records.add(3, new At(5, CHAINED.serialize("t", inserted)));
    ChainVerifier.PartitionReport report = walk(records);
    assertEquals(1, report.breaks().size(), report.breaks().toString());
    ChainVerifier.Break found = report.breaks().get(0);
    assertEquals(ChainVerifier.BreakKind.INSERTED, found.kind());
    assertEquals(6, found.offset());
    assertTrue(found.detail().contains("offset 5 was inserted"), found.detail());
  }

  @Test
  void bytesThatAreNotAChainedRecordAreNamed() {
    List<At> records = stored(chain(3));
    records.add(1, new At(1, "not avro".getBytes(StandardCharsets.UTF_8)));
    ChainVerifier.PartitionReport report = walk(records);
    assertEquals(1, report.breaks().size(), report.breaks().toString());
    assertEquals(1, report.breaks().get(0).offset());
    assertEquals(ChainVerifier.BreakKind.UNDECODABLE, report.breaks().get(0).kind());
  }

  @Test
  void aPartitionOfOnlyForeignBytesIsNotReportedEmpty() {
    ChainVerifier.PartitionReport report = walk(List.of(new At(0, "x".getBytes(StandardCharsets.UTF_8))));
    assertFalse(report.intact());
    assertTrue(report.summary().contains("none of them a chained record"), report.summary());
  }

  @Test
  void aChainWhoseStartIsNoLongerRetainedIsVerifiedFromItsFirstRecord() {
    List<At> records = stored(chain(6));
    ChainVerifier.PartitionReport report = walk(records.subList(2, 6));
    assertTrue(report.intact(), report.breaks().toString());
    assertFalse(report.fromGenesis());
    assertEquals(2, report.firstSequence());
    assertTrue(report.summary().contains("verified from sequence 2 at offset 4"), report.summary());
  }

  @Test
  void aDroppedFirstRecordIsNamedWhenTheNextOneSitsAtTheLogsFirstOffset() {
    List<At> records = stored(chain(3));
    // a copy of the topic without sequence 0: sequence 1 is now the first record, at offset 0
    List<At> copy = List.of(new At(0, records.get(1).value()), new At(2, records.get(2).value()));
    ChainVerifier.PartitionReport report = walk(copy);
    assertEquals(1, report.breaks().size(), report.breaks().toString());
    assertEquals(0, report.breaks().get(0).offset());
    assertEquals(ChainVerifier.BreakKind.MISSING, report.breaks().get(0).kind());
  }

  @Test
  void aFirstRecordClaimingSequenceZeroMustLinkToGenesis() {
    List<ChainedAuditEvent> chain = chain(2);
    chain.set(0, new ChainHead(0, ChainHash.sha256(new byte[] {1})).link(event(0), 0, 0));
    ChainVerifier.PartitionReport report = walk(stored(chain).subList(0, 1));
    assertEquals(ChainVerifier.BreakKind.RELINKED, report.breaks().get(0).kind());
  }

  @Test
  void aChainHeadSurvivesItsStoreEncoding() {
    ChainHead head = ChainHead.after(chain(3).get(2));
    assertEquals(head, ChainHead.decode(head.encode()));
    assertEquals(3, head.nextSequence());
  }
}
