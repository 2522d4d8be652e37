package io.fabric.audit.chain;

import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.schemas.AvroSerde;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Walks one partition of an audit chain in offset order and names every record that breaks it: an
 * event or hash changed after it was chained, a record missing (a gap in the sequence), a record
 * inserted (a sequence that repeats or goes back), a record that does not link to the one before it
 * (rewritten with a recomputed hash), an event chained again (its source offset does not grow), or bytes that are not a
 * chained record. After a break the walk
 * goes on from the record that broke, so one edit is reported once, not for every record after it.
 *
 * <p>Kafka-free: {@code fabric audit verify} feeds it the records it reads, tests feed it lists.
 */
public final class ChainVerifier {
  /** What is wrong with one record. */
  public enum BreakKind { EDITED, MISSING, INSERTED, RELINKED, REPLAYED, UNDECODABLE }

  /** One break: the partition and offset of the record where the chain no longer holds, and why. */
  public record Break(int partition, long offset, BreakKind kind, String detail) {
    @Override
    public String toString() {
      return "partition " + partition + " offset " + offset + ": " + kind.name().toLowerCase(Locale.ROOT) + ": " + detail;
    }
  }

  /**
   * What the walk of one partition found. {@code firstSequence} > 0 means the records before it are no
   * longer retained: the chain is verified from that record on, whose own link cannot be checked.
   */
  public record PartitionReport(int partition, long records, long firstOffset, long firstSequence, long lastOffset,
                                long lastSequence, byte[] headHash, List<Break> breaks) {
    public boolean intact() {
      return breaks.isEmpty();
    }

    public boolean empty() {
      return records == 0;
    }

    public boolean fromGenesis() {
      return firstSequence == 0;
    }

    public String headHex() {
      return headHash == null ? null : ChainHash.hex(headHash);
    }

    /** One line for people. */
    public String summary() {
      if (empty()) {
        return "partition " + partition + ": empty";
      }
      if (firstOffset < 0) {
        return "partition " + partition + ": " + records + " records, none of them a chained record: " + breaks.size() + " break(s)";
      }
      String from = fromGenesis() ? "" : " (verified from sequence " + firstSequence + " at offset " + firstOffset
          + ": the records before it are no longer retained)";
      return "partition " + partition + ": " + records + " records, sequences " + firstSequence + ".." + lastSequence
          + " at offsets " + firstOffset + ".." + lastOffset + ", head " + headHex() + ": "
          + (intact() ? "verified" : breaks.size() + " break(s)") + from;
    }
  }

  private static final AvroSerde<ChainedAuditEvent> SERDE = AvroSerde.of(ChainedAuditEvent.class);

  private record Seen(long offset, long sequence, byte[] hash, long sourceOffset) {}

  private final int partition;
  private final List<Break> breaks = new ArrayList<>();
  private long records;
  private Seen first;
  private Seen last;
  private Seen beforeLast;

  private final boolean keptForever;

  public ChainVerifier(int partition) {
    this(partition, false);
  }

  /**
   * @param keptForever the topic deletes nothing by retention (the catalog's setting for the chain), so a first retained
   *     record later than sequence 0 means records were deleted (Admin deleteRecords), not aged out
   */
  public ChainVerifier(int partition, boolean keptForever) {
    this.partition = partition;
    this.keptForever = keptForever;
  }

  /** Checks the record at {@code offset} (its value bytes as on the topic); call in offset order. */
  public void accept(long offset, byte[] value) {
    records++;
    ChainedAuditEvent record;
    try {
      record = SERDE.deserialize("audit chain", value);
      if (record == null) {
        throw new IllegalArgumentException("a tombstone");
      }
    } catch (RuntimeException e) {
      breaks.add(new Break(partition, offset, BreakKind.UNDECODABLE, "not a chained audit record (" + e.getMessage() + "): inserted or overwritten"));
      return;
    }
    accept(offset, record);
  }

  /** Checks an already decoded record at {@code offset}; call in offset order. */
  public void accept(long offset, ChainedAuditEvent record) {
    long sequence = record.getSequence();
    byte[] previous = ChainHash.bytes(record.getPreviousHash());
    byte[] stored = ChainHash.bytes(record.getHash());
    byte[] event = ChainHash.bytes(record.getEvent());
    if (previous.length != ChainHash.LENGTH || !Arrays.equals(ChainHash.of(previous, event), stored)) {
      breaks.add(new Break(partition, offset, BreakKind.EDITED, "sequence " + sequence
          + ": its hash is not SHA-256(previous hash || event): the event, its previous hash or its hash was changed after it was chained"));
    } else if (last == null) {
      if (sequence == 0 && !ChainHash.isGenesis(previous)) {
        breaks.add(new Break(partition, offset, BreakKind.RELINKED, "sequence 0 does not link to the genesis hash (32 zero bytes)"));
      } else if (sequence != 0 && keptForever) {
        breaks.add(new Break(partition, offset, BreakKind.MISSING, "the topic keeps records forever, yet its first record is sequence "
            + sequence + ": sequence " + (sequence == 1 ? "0 was" : "0.." + (sequence - 1) + " were") + " deleted before it"));
      } else if (sequence != 0 && offset == 0) {
        // offset 0 is the first record the partition ever held, so nothing was aged out before it: the chain's
        // start was removed (a later start is only accepted when retention or deleteRecords moved the log start)
        breaks.add(new Break(partition, offset, BreakKind.MISSING, "the partition's first record ever is sequence " + sequence
            + ": sequence " + (sequence == 1 ? "0 is" : "0.." + (sequence - 1) + " are") + " missing before it"));
      }
    } else {
      long expected = last.sequence + 1;
      if (sequence > expected) {
        long missing = sequence - expected;
        breaks.add(new Break(partition, offset, BreakKind.MISSING, missing + " record(s) missing before it: sequence "
            + (missing == 1 ? expected : expected + ".." + (sequence - 1)) + " should follow sequence " + last.sequence
            + " at offset " + last.offset));
      } else if (sequence < expected) {
        String which = beforeLast != null && Arrays.equals(previous, beforeLast.hash)
            ? "offset " + last.offset + " was inserted before it (this record links to offset " + beforeLast.offset + ")"
            : "it or an earlier record was inserted";
        breaks.add(new Break(partition, offset, BreakKind.INSERTED, "sequence " + sequence + " after sequence " + last.sequence
            + " at offset " + last.offset + ": " + which));
      } else if (!Arrays.equals(previous, last.hash)) {
        breaks.add(new Break(partition, offset, BreakKind.RELINKED, "sequence " + sequence + " does not link to sequence "
            + last.sequence + " at offset " + last.offset + ": one of the two was replaced (its hash recomputed)"));
      } else if (record.getSourceOffset() <= last.sourceOffset) {
        // the sequencer reads its audit partition in offset order: a source offset that does not grow is an event chained
        // again (its committed input offset was lost or reset), which every link above accepts
        breaks.add(new Break(partition, offset, BreakKind.REPLAYED, "sequence " + sequence + " chains source offset " + record.getSourceOffset()
            + ", not after source offset " + last.sourceOffset + " of sequence " + last.sequence + " at offset " + last.offset
            + ": an audit event chained twice"));
      }
    }
    Seen seen = new Seen(offset, sequence, stored, record.getSourceOffset());
    if (first == null) {
      first = seen;
    }
    beforeLast = last;
    last = seen;
  }

  public PartitionReport finish() {
    if (first == null) {
      return new PartitionReport(partition, records, -1, -1, -1, -1, null, List.copyOf(breaks));
    }
    return new PartitionReport(partition, records, first.offset, first.sequence, last.offset, last.sequence, last.hash.clone(),
        List.copyOf(breaks));
  }
}
