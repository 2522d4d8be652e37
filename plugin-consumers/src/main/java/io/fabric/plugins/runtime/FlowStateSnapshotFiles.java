package io.fabric.plugins.runtime;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * One runtime's directory of flow state snapshots, a file per partition
 * ({@code flow-state-<partition>.snapshot}). A file is written whole or not at all: to a temporary
 * file, forced to disk, then renamed over the old one (and the directory forced), so a crash
 * leaves the previous snapshot or the new one, never a torn file. Deleting the directory, or any
 * file in it, is always safe: the partition is then read from the beginning.
 *
 * <p>Kafka-free.
 */
final class FlowStateSnapshotFiles {
  private static final String SUFFIX = ".snapshot";
  private static final String TEMP = ".tmp";

  private final Path dir;

  FlowStateSnapshotFiles(Path dir) {
    this.dir = dir;
  }

  Path dir() {
    return dir;
  }

  Path file(int partition) {
    return dir.resolve("flow-state-" + partition + SUFFIX);
  }

  /** The bytes of the partition's snapshot; null when there is none. */
  byte[] read(int partition) throws IOException {
    try {
      return Files.readAllBytes(file(partition));
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Replaces the partition's snapshot atomically; returns the size written. */
  long write(FlowStateSnapshot snapshot) throws IOException {
    Files.createDirectories(dir);
    int partition = snapshot.header().partition();
    // unique: a zombie with the same instance id may be writing the same partition at the same time
    Path temp = dir.resolve("flow-state-" + partition + "." + UUID.randomUUID() + TEMP);
    try {
      long size;
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
        snapshot.encode(out);
        out.flush();
        channel.force(true);
        size = channel.size();
      }
      try {
        Files.move(temp, file(partition), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system of " + dir + " cannot rename atomically; no snapshot is kept there", e);
      }
      forceDirectory();
      return size;
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** Removes temporary files a crash left behind (never a finished snapshot). */
  void deleteLeftovers() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, "flow-state-*" + TEMP)) {
      for (Path temp : temps) {
        Files.deleteIfExists(temp);
      }
    }
  }

  private void forceDirectory() {
    // makes the rename durable on Linux; other systems may refuse to open a directory, and the rename is atomic anyway
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort
    }
  }
}
