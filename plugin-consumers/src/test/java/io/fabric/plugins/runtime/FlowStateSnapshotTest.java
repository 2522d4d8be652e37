package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.runtime.FlowStateSnapshot.CorruptSnapshotException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlowStateSnapshotTest {
  static FlowStateSnapshot sample() {
    return new FlowStateSnapshot(
        new FlowStateSnapshot.Header(2, 3, new FlowStateSnapshot.TopicPosition("t.flows.state", "id-state", 1_234),
            new FlowStateSnapshot.TopicPosition("t.flows.intents", "id-intents", 56), 1_800_000_000_000L),
        List.of(new FlowStateSnapshot.OpenFlow("flow-1", 1_000, new byte[] {1, 2, 3}),
            new FlowStateSnapshot.OpenFlow("flöw-2", 1_001, new byte[0])),
        new FlowStateSnapshot.ClosedFlows(new long[] {11, -12, 13}, new long[] {5, 6, 7}, new int[] {30_000_000, 30_000_001, 0}),
        List.of(new FlowStateSnapshot.Intent("req-1", 50, "{\"a\":1}"), new FlowStateSnapshot.Intent("req-2", 55, null)));
  }

  static byte[] encode(FlowStateSnapshot snapshot) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    snapshot.encode(out);
    return out.toByteArray();
  }

  @Test
  void decodesWhatItEncoded() throws Exception {
    FlowStateSnapshot decoded = FlowStateSnapshot.decode(encode(sample()));

    assertEquals(sample().header(), decoded.header());
    assertEquals(2, decoded.open().size());
    assertEquals("flöw-2", decoded.open().get(1).flowId());
    assertEquals(1_000, decoded.open().get(0).offset());
    assertArrayEquals(new byte[] {1, 2, 3}, decoded.open().get(0).checkpoint());
    assertArrayEquals(new long[] {11, -12, 13}, decoded.closed().fingerprints());
    assertArrayEquals(new long[] {5, 6, 7}, decoded.closed().offsets());
    assertArrayEquals(new int[] {30_000_000, 30_000_001, 0}, decoded.closed().minutes());
    assertEquals(sample().intents(), decoded.intents());
    assertNull(decoded.intents().get(1).json(), "a tombstone stays a tombstone");
  }

  @Test
  void anEmptyPartitionRoundTrips() throws Exception {
    FlowStateSnapshot empty = new FlowStateSnapshot(sample().header(), List.of(),
        new FlowStateSnapshot.ClosedFlows(new long[0], new long[0], new int[0]), List.of());

    FlowStateSnapshot decoded = FlowStateSnapshot.decode(encode(empty));

    assertTrue(decoded.open().isEmpty() && decoded.intents().isEmpty());
    assertEquals(0, decoded.closed().size());
  }

  @Test
  void everyFlippedByteIsRefused() throws Exception {
    byte[] good = encode(sample());
    for (int i = 0; i < good.length; i++) {
      byte[] bad = good.clone();
      bad[i] ^= 0x10;
      int at = i;
      assertThrows(CorruptSnapshotException.class, () -> FlowStateSnapshot.decode(bad), "byte " + at);
    }
  }

  @Test
  void aTruncatedFileIsRefused() throws Exception {
    byte[] good = encode(sample());
    for (int length : new int[] {0, 3, 11, good.length / 2, good.length - 1}) {
      byte[] cut = Arrays.copyOf(good, length);
      assertThrows(CorruptSnapshotException.class, () -> FlowStateSnapshot.decode(cut), length + " bytes");
    }
  }

  @Test
  void anotherFileOrVersionIsRefused() throws Exception {
    CorruptSnapshotException foreign = assertThrows(CorruptSnapshotException.class,
        () -> FlowStateSnapshot.decode("a file that happens to be here".getBytes(StandardCharsets.UTF_8)));
    assertTrue(foreign.getMessage().contains("not a flow state snapshot"), foreign.getMessage());

    byte[] newer = encode(sample());
    ByteBuffer.wrap(newer).putInt(4, FlowStateSnapshot.VERSION + 1);
    CorruptSnapshotException version = assertThrows(CorruptSnapshotException.class, () -> FlowStateSnapshot.decode(newer));
    assertTrue(version.getMessage().contains("version"), version.getMessage());
  }
}
