package io.fabric.audit.chain;

import io.fabric.contracts.ChainedAuditEvent;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Where a partition's chain stands: the sequence the next record gets, the hash it links to, and the
 * source offset of the last event chained (-1 for none), so an event read again is not chained again.
 * The sequencer keeps one per partition in its store; {@link #link} is the whole chaining rule.
 */
public record ChainHead(long nextSequence, byte[] previousHash, long lastSourceOffset) {
  private static final int LEGACY_ENCODED_LENGTH = Long.BYTES + ChainHash.LENGTH;
  private static final int ENCODED_LENGTH = LEGACY_ENCODED_LENGTH + Long.BYTES;

  public ChainHead {
    if (nextSequence < 0 || previousHash.length != ChainHash.LENGTH) {
      throw new IllegalArgumentException("bad chain head: sequence " + nextSequence + ", hash of " + previousHash.length + " bytes");
    }
    previousHash = previousHash.clone();
  }

  public ChainHead(long nextSequence, byte[] previousHash) {
    this(nextSequence, previousHash, -1);
  }

  /** An empty partition: sequence 0 links to the genesis hash. */
  public static ChainHead genesis() {
    return new ChainHead(0, ChainHash.genesis());
  }

  /** Whether the event at {@code sourceOffset} was chained already (its input offset was read again). */
  public boolean chained(long sourceOffset) {
    return sourceOffset <= lastSourceOffset;
  }

  @Override
  public byte[] previousHash() {
    return previousHash.clone();
  }

  /** The chained record of {@code event} (canonical bytes) at this head; {@link #after} gives the next head. */
  public ChainedAuditEvent link(byte[] event, int sourcePartition, long sourceOffset) {
    byte[] hash = ChainHash.of(previousHash, event);
    return ChainedAuditEvent.newBuilder()
        .setSequence(nextSequence)
        .setPreviousHash(ByteBuffer.wrap(previousHash.clone()))
        .setHash(ByteBuffer.wrap(hash))
        .setEvent(ByteBuffer.wrap(event.clone()))
        .setSourcePartition(sourcePartition)
        .setSourceOffset(sourceOffset)
        .build();
  }

  /** The head after {@code chained} was written. */
  public static ChainHead after(ChainedAuditEvent chained) {
    return new ChainHead(chained.getSequence() + 1, ChainHash.bytes(chained.getHash()), chained.getSourceOffset());
  }

  /** 8-byte big-endian next sequence, the 32-byte hash, then the 8-byte last source offset: the store's value. */
  public byte[] encode() {
    return ByteBuffer.allocate(ENCODED_LENGTH).putLong(nextSequence).put(previousHash).putLong(lastSourceOffset).array();
  }

  /** Reads {@link #encode()}'s bytes, or a head of an earlier version (without the last source offset). */
  public static ChainHead decode(byte[] bytes) {
    if (bytes.length != ENCODED_LENGTH && bytes.length != LEGACY_ENCODED_LENGTH) {
      throw new IllegalArgumentException("a chain head is " + ENCODED_LENGTH + " bytes, got " + bytes.length);
    }
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    long sequence = buffer.getLong();
    byte[] hash = new byte[ChainHash.LENGTH];
    buffer.get(hash);
    return new ChainHead(sequence, hash, buffer.hasRemaining() ? buffer.getLong() : -1);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ChainHead head && head.nextSequence == nextSequence && Arrays.equals(head.previousHash, previousHash)
        && head.lastSourceOffset == lastSourceOffset;
  }

  @Override
  public int hashCode() {
    return (Long.hashCode(nextSequence) * 31 + Arrays.hashCode(previousHash)) * 31 + Long.hashCode(lastSourceOffset);
  }

  @Override
  public String toString() {
    return "ChainHead[next=" + nextSequence + ", previous=" + ChainHash.hex(previousHash) + ", lastSourceOffset=" + lastSourceOffset + "]";
  }
}
