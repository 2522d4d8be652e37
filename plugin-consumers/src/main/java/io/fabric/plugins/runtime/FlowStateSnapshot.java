package io.fabric.plugins.runtime;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import java.util.zip.CheckedOutputStream;

/**
 * What a {@link FlowStateStore} knew about one partition at a consistent point, as a local file lets
 * a restart load it and read only the tail of {@code flows.state} and {@code flows.intents}: the
 * topic ids (a topic deleted and created again under the same name has a new id), the offsets up
 * to which every committed record was applied (the read_committed catch-up consumer's positions),
 * the open checkpoints (Avro single-object bytes), the closed-flow index and the intents.
 *
 * <p>It may also hold committed records at or after those offsets (the runtime's own writes, applied
 * when their transaction committed); reading the tail applies them again, which changes nothing
 * because only a later offset replaces a value.
 *
 * <p>Format: the magic {@code FFSS}, a version, the body, then a CRC32C of everything before it.
 * Kafka-free: {@link SnapshotValidity} decides whether a decoded snapshot may be used.
 */
record FlowStateSnapshot(Header header, List<OpenFlow> open, ClosedFlows closed, List<Intent> intents) {
  static final int MAGIC = 0x46465353; // "FFSS"
  static final int VERSION = 1;

  /**
   * @param partition the partition of both topics this snapshot covers
   * @param partitions how many partitions the topics had (flow ids map to partitions by it)
   * @param caughtUpAtMillis wall-clock time just before the catch-up whose positions are the offsets:
   *                         every record at or after them became readable after this time
   */
  record Header(int partition, int partitions, TopicPosition state, TopicPosition intents, long caughtUpAtMillis) {}

  /** A topic, the id it had, and the next offset not applied yet. */
  record TopicPosition(String topic, String topicId, long offset) {}

  /** The latest checkpoint of a running or rolling-back flow, as Avro single-object bytes. */
  record OpenFlow(String flowId, long offset, byte[] checkpoint) {}

  /** The closed-flow index: fingerprint, offset of the closed checkpoint, record time in minutes; equal lengths. */
  record ClosedFlows(long[] fingerprints, long[] offsets, int[] minutes) {
    ClosedFlows {
      if (fingerprints.length != offsets.length || offsets.length != minutes.length) {
        throw new IllegalArgumentException("closed-flow arrays differ in length");
      }
    }

    int size() {
      return fingerprints.length;
    }
  }

  /** An intent by id with its offset; {@code json} null is a tombstone not yet passed by the catch-up. */
  record Intent(String intentId, long offset, String json) {}

  /** Thrown for bytes that are not a whole snapshot of a known version: the file is ignored. */
  static final class CorruptSnapshotException extends Exception {
    CorruptSnapshotException(String message) {
      super(message);
    }

    CorruptSnapshotException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Writes the snapshot and its checksum to {@code out} (which it does not close). */
  void encode(OutputStream out) throws IOException {
    CRC32C crc = new CRC32C();
    // buffered before the checksum, so it is computed over large blocks rather than every field
    DataOutputStream data = new DataOutputStream(new BufferedOutputStream(new CheckedOutputStream(out, crc), 1 << 16));
    data.writeInt(MAGIC);
    data.writeInt(VERSION);
    data.writeInt(header.partition());
    data.writeInt(header.partitions());
    writePosition(data, header.state());
    writePosition(data, header.intents());
    data.writeLong(header.caughtUpAtMillis());
    data.writeInt(open.size());
    for (OpenFlow flow : open) {
      writeString(data, flow.flowId());
      data.writeLong(flow.offset());
      writeBytes(data, flow.checkpoint());
    }
    data.writeInt(closed.size());
    for (int i = 0; i < closed.size(); i++) {
      data.writeLong(closed.fingerprints()[i]);
      data.writeLong(closed.offsets()[i]);
      data.writeInt(closed.minutes()[i]);
    }
    data.writeInt(intents.size());
    for (Intent intent : intents) {
      writeString(data, intent.intentId());
      data.writeLong(intent.offset());
      writeBytes(data, intent.json() == null ? null : intent.json().getBytes(StandardCharsets.UTF_8));
    }
    data.flush();
    // the checksum itself is not part of what it covers
    new DataOutputStream(out).writeInt((int) crc.getValue());
    out.flush();
  }

  /** Reads a whole snapshot; anything else (truncated, flipped bits, another format or version) is refused. */
  static FlowStateSnapshot decode(byte[] bytes) throws CorruptSnapshotException {
    if (bytes.length < 12) {
      throw new CorruptSnapshotException("too short to be a snapshot (" + bytes.length + " bytes)");
    }
    int magic = ByteBuffer.wrap(bytes, 0, 4).getInt();
    if (magic != MAGIC) {
      throw new CorruptSnapshotException("not a flow state snapshot (magic " + Integer.toHexString(magic) + ")");
    }
    int version = ByteBuffer.wrap(bytes, 4, 4).getInt();
    if (version != VERSION) {
      throw new CorruptSnapshotException("snapshot version " + version + ", this runtime reads version " + VERSION);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    int expected = ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt();
    if ((int) crc.getValue() != expected) {
      throw new CorruptSnapshotException("checksum mismatch");
    }
    try {
      ByteBuffer data = ByteBuffer.wrap(bytes, 8, bytes.length - 12).slice();
      Header header = new Header(data.getInt(), data.getInt(), readPosition(data), readPosition(data), data.getLong());
      int openCount = count(data, data.remaining());
      List<OpenFlow> open = new ArrayList<>(openCount);
      for (int i = 0; i < openCount; i++) {
        open.add(new OpenFlow(readString(data), data.getLong(), readBytes(data)));
      }
      int closedCount = count(data, data.remaining() / 20);
      long[] fingerprints = new long[closedCount];
      long[] offsets = new long[closedCount];
      int[] minutes = new int[closedCount];
      for (int i = 0; i < closedCount; i++) {
        fingerprints[i] = data.getLong();
        offsets[i] = data.getLong();
        minutes[i] = data.getInt();
      }
      int intentCount = count(data, data.remaining());
      List<Intent> intents = new ArrayList<>(intentCount);
      for (int i = 0; i < intentCount; i++) {
        String id = readString(data);
        long offset = data.getLong();
        byte[] json = readBytes(data);
        intents.add(new Intent(id, offset, json == null ? null : new String(json, StandardCharsets.UTF_8)));
      }
      if (data.hasRemaining()) {
        throw new CorruptSnapshotException(data.remaining() + " unexpected bytes after the intents");
      }
      return new FlowStateSnapshot(header, open, new ClosedFlows(fingerprints, offsets, minutes), intents);
    } catch (BufferUnderflowException e) {
      throw new CorruptSnapshotException("truncated", e);
    } catch (RuntimeException e) {
      throw new CorruptSnapshotException("unreadable: " + e, e);
    }
  }

  private static void writePosition(DataOutputStream data, TopicPosition position) throws IOException {
    writeString(data, position.topic());
    writeString(data, position.topicId());
    data.writeLong(position.offset());
  }

  private static TopicPosition readPosition(ByteBuffer data) throws CorruptSnapshotException {
    return new TopicPosition(readString(data), readString(data), data.getLong());
  }

  private static void writeString(DataOutputStream data, String value) throws IOException {
    writeBytes(data, value.getBytes(StandardCharsets.UTF_8));
  }

  private static String readString(ByteBuffer data) throws CorruptSnapshotException {
    byte[] bytes = readBytes(data);
    if (bytes == null) {
      throw new CorruptSnapshotException("a missing string");
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Length-prefixed; -1 is null. */
  private static void writeBytes(DataOutputStream data, byte[] value) throws IOException {
    if (value == null) {
      data.writeInt(-1);
      return;
    }
    data.writeInt(value.length);
    data.write(value);
  }

  private static byte[] readBytes(ByteBuffer data) throws CorruptSnapshotException {
    int length = data.getInt();
    if (length == -1) {
      return null;
    }
    if (length < 0 || length > data.remaining()) {
      throw new CorruptSnapshotException("a length of " + length + " past the end of the file");
    }
    byte[] bytes = new byte[length];
    data.get(bytes);
    return bytes;
  }

  /** A count that cannot be larger than the file: a corrupt count must not allocate gigabytes. */
  private static int count(ByteBuffer data, int max) throws CorruptSnapshotException {
    int count = data.getInt();
    if (count < 0 || count > max) {
      throw new CorruptSnapshotException("a count of " + count + " cannot fit in the file");
    }
    return count;
  }
}
