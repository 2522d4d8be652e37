package io.fabric.plugins.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The instance id of a process's plugin runtimes when none is configured: part of their
 * transactional ids ({@code <group>-<instance>}), so it must differ between live processes, or one
 * fences the other.
 *
 * <p>Why an id that is unique per process is enough, and why it is kept across restarts: the runtimes
 * commit their consumed offsets inside their transactions with the consumer's group metadata (KIP-447),
 * so a zombie that lost its partitions is fenced by the group coordinator (its generation is stale)
 * whatever its transactional id. The id need not follow a partition, as it had to before KIP-447. Keeping
 * it across a restart still pays: {@code initTransactions()} with the predecessor's id aborts the
 * transaction a crashed process left open at once, where a new id leaves read_committed readers (the
 * next owner restoring {@code flows.state}, downstream consumers) waiting for the coordinator to time it
 * out ({@code transaction.timeout.ms}); and the flow-state snapshots live in a directory named after the
 * transactional id.
 *
 * <p>So: with a state directory, the id is created once ({@code <host>-<random>}) and kept in
 * {@code <state dir>/instance.id}; a lock file keeps a second live process (or a second host in this JVM)
 * that was pointed at the same directory from taking it: it gets an id of its own and a warning. Without a
 * state directory every start gets a new id.
 */
public final class InstanceIdentity implements AutoCloseable {
  static final String ID_FILE = "instance.id";
  static final String LOCK_FILE = "instance.lock";
  private static final Logger log = LoggerFactory.getLogger(InstanceIdentity.class);
  /** Directories whose id a live identity of this JVM holds, with their lock. */
  private static final Map<Path, FileLock> HELD = new HashMap<>();

  private final String id;
  private final Path heldDir;

  private InstanceIdentity(String id, Path heldDir) {
    this.id = id;
    this.heldDir = heldDir;
  }

  /** The id kept in {@code stateDir}, or a new one when {@code stateDir} is null or in use by another live process. */
  public static InstanceIdentity acquire(Path stateDir) {
    if (stateDir == null) {
      return new InstanceIdentity(fresh(), null);
    }
    Path dir = stateDir.toAbsolutePath().normalize();
    synchronized (HELD) {
      if (HELD.containsKey(dir)) {
        return inUse(dir);
      }
      try {
        Files.createDirectories(dir);
        FileChannel channel = FileChannel.open(dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
          lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
          lock = null;
        }
        if (lock == null) {
          channel.close();
          return inUse(dir);
        }
        String id = readOrCreate(dir.resolve(ID_FILE));
        HELD.put(dir, lock);
        return new InstanceIdentity(id, dir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot keep the plugin runtimes' instance id in " + dir + ": " + e.getMessage(), e);
      }
    }
  }

  public String id() {
    return id;
  }

  /** Lets the next process (or host in this JVM) on the same state directory take the kept id. */
  @Override
  public void close() {
    if (heldDir == null) {
      return;
    }
    synchronized (HELD) {
      FileLock lock = HELD.remove(heldDir);
      if (lock != null) {
        try {
          lock.channel().close();
        } catch (IOException e) {
          log.warn("releasing the instance id lock in {} failed: {}", heldDir, e.toString());
        }
      }
    }
  }

  private static InstanceIdentity inUse(Path dir) {
    String id = fresh();
    log.warn("the plugin runtimes' state directory {} is in use by another live process (or runtime host); this one runs as "
        + "instance {} without keeping it: give each process a data directory of its own", dir, id);
    return new InstanceIdentity(id, null);
  }

  private static String readOrCreate(Path file) throws IOException {
    if (Files.exists(file)) {
      String kept = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (kept.matches("[A-Za-z0-9._-]{1,64}")) {
        return kept;
      }
      log.warn("{} holds no valid instance id ('{}'); writing a new one", file, kept);
    }
    String id = fresh();
    Path tmp = file.resolveSibling(ID_FILE + ".tmp");
    Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return id;
  }

  /** {@code <host>-<8 hex>}: the host for people reading logs and transactional ids, the random part for uniqueness. */
  static String fresh() {
    String random = UUID.randomUUID().toString().substring(0, 8);
    String host = host();
    return host.isEmpty() ? random : host + "-" + random;
  }

  private static String host() {
    String name = System.getenv("HOSTNAME");
    if (name == null || name.isBlank()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        name = "";
      }
    }
    String clean = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    int dot = clean.indexOf('.');
    if (dot > 0) {
      clean = clean.substring(0, dot);
    }
    return clean.length() > 40 ? clean.substring(0, 40) : clean;
  }
}
