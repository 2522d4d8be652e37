package io.fabric.audit.chain;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The one hash of the audit chain: {@code SHA-256(previous hash || canonical event)}, over the 32 raw
 * bytes of the previous hash followed by the event's bytes as stored in {@code ChainedAuditEvent.event}
 * (the Avro single-object encoding of the {@code AuditEvent}). The first record of a partition links to
 * {@link #GENESIS}, 32 zero bytes. A verifier hashes the stored bytes and never re-encodes an event.
 */
public final class ChainHash {
  public static final int LENGTH = 32;
  private static final byte[] GENESIS_BYTES = new byte[LENGTH];
  private static final HexFormat HEX = HexFormat.of();

  private ChainHash() {}

  /** The previous hash of sequence 0: 32 zero bytes. */
  public static byte[] genesis() {
    return GENESIS_BYTES.clone();
  }

  public static byte[] of(byte[] previousHash, byte[] event) {
    if (previousHash.length != LENGTH) {
      throw new IllegalArgumentException("a previous hash is " + LENGTH + " bytes, got " + previousHash.length);
    }
    MessageDigest sha = sha256();
    sha.update(previousHash);
    sha.update(event);
    return sha.digest();
  }

  /** SHA-256 of some bytes (evidence pack items). */
  public static byte[] sha256(byte[] bytes) {
    return sha256().digest(bytes);
  }

  public static String hex(byte[] bytes) {
    return HEX.formatHex(bytes);
  }

  public static byte[] fromHex(String hex) {
    return HEX.parseHex(hex);
  }

  public static String hex(ByteBuffer buffer) {
    return hex(bytes(buffer));
  }

  /** The bytes of an Avro {@code bytes} field, without moving its position. */
  public static byte[] bytes(ByteBuffer buffer) {
    ByteBuffer view = buffer.duplicate();
    byte[] bytes = new byte[view.remaining()];
    view.get(bytes);
    return bytes;
  }

  public static boolean isGenesis(byte[] hash) {
    return Arrays.equals(hash, GENESIS_BYTES);
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
