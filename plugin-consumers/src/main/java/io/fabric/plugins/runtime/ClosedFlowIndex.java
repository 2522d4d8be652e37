package io.fabric.plugins.runtime;

/**
 * Where the latest checkpoint of each closed flow of one partition is in {@code flows.state}: a
 * 64-bit fingerprint of the flow id mapped to the checkpoint's offset and record time, in primitive
 * arrays (20 bytes a slot, 27 to 53 bytes a flow), so a runtime remembers that a flow was closed without keeping its
 * checkpoint. A late step of a closed flow reads its checkpoint back from that offset; entries older
 * than the retention are dropped when the table grows.
 *
 * <p>Used by the runtime thread only.
 */
final class ClosedFlowIndex {
  private static final long EMPTY = 0L;

  private long[] keys = new long[1024];
  private long[] offsets = new long[1024];
  private int[] times = new int[1024];
  private int size;

  /** A 64-bit fingerprint of a flow id, never 0. */
  static long fingerprint(String flowId) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < flowId.length(); i++) {
      h ^= flowId.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h == EMPTY ? 1 : h;
  }

  int size() {
    return size;
  }

  /** The offset of the flow's closed checkpoint, or -1. */
  long offset(long fingerprint) {
    int slot = find(fingerprint);
    return slot < 0 ? -1 : offsets[slot];
  }

  /** Records (or moves forward) the closed checkpoint of a flow; {@code minTime} drops expired entries when the table grows. */
  void put(long fingerprint, long offset, long time, long minTime) {
    int slot = find(fingerprint);
    if (slot >= 0) {
      if (offsets[slot] < offset) {
        offsets[slot] = offset;
        times[slot] = minutes(time);
      }
      return;
    }
    if ((size + 1) * 4L > keys.length * 3L) {
      grow(minTime);
    }
    insert(fingerprint, offset, minutes(time));
  }

  void remove(long fingerprint) {
    int slot = find(fingerprint);
    if (slot < 0) {
      return;
    }
    // backward-shift deletion keeps linear probing chains intact
    int mask = keys.length - 1;
    int hole = slot;
    for (int i = (hole + 1) & mask; keys[i] != EMPTY; i = (i + 1) & mask) {
      int home = home(keys[i]);
      if (((i - home) & mask) >= ((i - hole) & mask)) {
        keys[hole] = keys[i];
        offsets[hole] = offsets[i];
        times[hole] = times[i];
        hole = i;
      }
    }
    keys[hole] = EMPTY;
    size--;
  }

  private static int minutes(long epochMillis) {
    return (int) Math.max(0, Math.min(Integer.MAX_VALUE, epochMillis / 60_000));
  }

  private int find(long fingerprint) {
    int mask = keys.length - 1;
    for (int i = home(fingerprint); keys[i] != EMPTY; i = (i + 1) & mask) {
      if (keys[i] == fingerprint) {
        return i;
      }
    }
    return -1;
  }

  private int home(long fingerprint) {
    return (int) (fingerprint ^ (fingerprint >>> 32)) & (keys.length - 1);
  }

  private void insert(long fingerprint, long offset, int time) {
    int mask = keys.length - 1;
    int i = home(fingerprint);
    while (keys[i] != EMPTY) {
      i = (i + 1) & mask;
    }
    keys[i] = fingerprint;
    offsets[i] = offset;
    times[i] = time;
    size++;
  }

  private void grow(long minTime) {
    int live = 0;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY && times[i] >= minutes(minTime)) {
        live++;
      }
    }
    int capacity = keys.length;
    while ((live + 1) * 2L > capacity && capacity < (1 << 30)) {
      capacity *= 2;
    }
    resize(capacity, minTime);
  }

  /** Rehashes into {@code capacity} slots (a power of two), dropping entries closed before {@code minTime}. */
  private void resize(int capacity, long minTime) {
    long[] oldKeys = keys;
    long[] oldOffsets = offsets;
    int[] oldTimes = times;
    keys = new long[capacity];
    offsets = new long[capacity];
    times = new int[capacity];
    size = 0;
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldKeys[i] != EMPTY && oldTimes[i] >= minutes(minTime)) {
        insert(oldKeys[i], oldOffsets[i], oldTimes[i]);
      }
    }
  }

  /** The entries (fingerprint, offset, minutes) for a snapshot, in table order. */
  FlowStateSnapshot.ClosedFlows entries() {
    long[] fingerprints = new long[size];
    long[] entryOffsets = new long[size];
    int[] entryMinutes = new int[size];
    int n = 0;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY) {
        fingerprints[n] = keys[i];
        entryOffsets[n] = offsets[i];
        entryMinutes[n] = times[i];
        n++;
      }
    }
    return new FlowStateSnapshot.ClosedFlows(fingerprints, entryOffsets, entryMinutes);
  }

  /**
   * Adds the entries of a snapshot, without those closed before {@code minTime}. They come in the
   * order of another table's slots: inserted in that order into a smaller linear-probing table they
   * would pile up in long runs (quadratic time), so the table is sized for all of them first and
   * they are visited in a scattered order.
   */
  void putAll(FlowStateSnapshot.ClosedFlows entries, long minTime) {
    int n = entries.size();
    if (n == 0) {
      return;
    }
    int capacity = keys.length;
    // the load at which put() grows the table: no larger than the table the entries came from
    while ((size + n + 1) * 4L > capacity * 3L && capacity < (1 << 30)) {
      capacity *= 2;
    }
    if (capacity > keys.length) {
      resize(capacity, minTime);
    }
    int oldest = minutes(minTime);
    long step = scatterStep(n);
    for (long k = 0, i = 0; k < n; k++, i = (i + step) % n) {
      int at = (int) i;
      if (entries.fingerprints()[at] == EMPTY) {
        throw new IllegalArgumentException("a closed-flow entry without a fingerprint");
      }
      if (entries.minutes()[at] >= oldest) {
        put(entries.fingerprints()[at], entries.offsets()[at], entries.minutes()[at] * 60_000L, minTime);
      }
    }
  }

  /** A step coprime to {@code n}, so {@code i -> i + step mod n} visits every index once, far apart. */
  private static long scatterStep(int n) {
    long step = 0x9E3779B1L % n;
    while (step == 0 || gcd(step, n) != 1) {
      step++;
    }
    return step;
  }

  private static long gcd(long a, long b) {
    return b == 0 ? a : gcd(b, a % b);
  }

  /** Bytes held by the table (for the benchmark's memory accounting). */
  long footprintBytes() {
    return (long) keys.length * (Long.BYTES * 2 + Integer.BYTES);
  }
}
