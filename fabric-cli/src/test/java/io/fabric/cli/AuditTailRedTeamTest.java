package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.audit.chain.AuditChainReader;
import io.fabric.audit.chain.ChainHead;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.schemas.AvroSerde;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Red-team cases for {@code fabric audit tail}: what a raw producer on the chain or audit topic makes it print. */
class AuditTailRedTeamTest {
  private static final AvroSerde<ChainedAuditEvent> CHAINED = AvroSerde.of(ChainedAuditEvent.class);
  private static final AvroSerde<AuditEvent> EVENTS = AvroSerde.of(AuditEvent.class);

  private static byte[] event(String id, String detail) {
    return EVENTS.serialize("t", AuditEvent.newBuilder().setId(id).setAt(1_000L).setType("SECURITY_EVENT").setDetail(detail).build());
  }

  private static AuditChainReader.StoredRecord stored(long offset, byte[] value) {
    return new AuditChainReader.StoredRecord(0, offset, null, value, 0L);
  }

  @Test
  void recordsThatAreNotChainedEventsAreReportedNotSkipped() {
    ChainedAuditEvent good = ChainHead.genesis().link(event("e-0", "ok"), 0, 0);
    ChainedAuditEvent badEvent = ChainHead.after(good).link("garbage".getBytes(StandardCharsets.UTF_8), 0, 1);
    List<AuditChainReader.StoredRecord> records = List.of(
        stored(0, CHAINED.serialize("t", good)),
        stored(2, "raw bytes from a KafkaProducer".getBytes(StandardCharsets.UTF_8)),
        stored(3, null),
        stored(4, CHAINED.serialize("t", badEvent)));
    AuditCommand.Tail tail = new AuditCommand.Tail();
    tail.count = 20;

    List<String> undecodable = new ArrayList<>();
    List<AuditCommand.Tail.Row> rows = tail.matching(records, Instant.now(), undecodable);

    assertEquals(1, rows.size());
    assertEquals(3, undecodable.size(), undecodable.toString());
    assertTrue(undecodable.get(0).startsWith("partition 0 offset 2: "), undecodable.get(0));
    assertTrue(undecodable.get(1).startsWith("partition 0 offset 3: "), undecodable.get(1));
    assertTrue(undecodable.get(2).startsWith("partition 0 offset 4: "), undecodable.get(2));
  }

  @Test
  void anEventsTextCannotPrintAMadeUpRowOrTerminalEscapes() {
    String forged = "x\n2026-12-01T00:00:00Z  0@9 #9  APPROVAL_GRANTED     tenant=acme\u001b[2K\r";
    String printed = AuditCommand.Tail.oneLine(forged);
    assertFalse(printed.contains("\n") || printed.contains("\r") || printed.contains("\u001b"), printed);
    assertTrue(printed.contains("\\u000a") && printed.contains("\\u001b"), printed);
    assertEquals("plain text é", AuditCommand.Tail.oneLine("plain text é"));
  }
}
