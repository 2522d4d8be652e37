package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlowStateSnapshotFilesTest {
  @TempDir
  Path dir;

  @Test
  void aWrittenSnapshotReplacesTheOldOneWholeAndLeavesNoTemporaryFile() throws Exception {
    FlowStateSnapshotFiles files = new FlowStateSnapshotFiles(dir.resolve("runtime-a"));
    assertNull(files.read(2), "no snapshot yet");

    FlowStateSnapshot first = FlowStateSnapshotTest.sample();
    files.write(first);
    FlowStateSnapshot second = new FlowStateSnapshot(first.header(), List.of(), first.closed(), List.of());
    long size = files.write(second);

    byte[] bytes = files.read(2);
    assertEquals(size, bytes.length);
    assertEquals(0, FlowStateSnapshot.decode(bytes).open().size(), "the second snapshot, whole");
    try (Stream<Path> listed = Files.list(files.dir())) {
      assertEquals(List.of("flow-state-2.snapshot"), listed.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void temporaryFilesACrashLeftAreRemovedAndSnapshotsKept() throws Exception {
    FlowStateSnapshotFiles files = new FlowStateSnapshotFiles(dir);
    files.write(FlowStateSnapshotTest.sample());
    Path leftover = dir.resolve("flow-state-2.0b6c.tmp");
    Files.write(leftover, new byte[] {1, 2});

    files.deleteLeftovers();

    assertFalse(Files.exists(leftover));
    assertTrue(Files.exists(files.file(2)));
  }
}
