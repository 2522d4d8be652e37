package io.fabric.cli.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongFunction;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * When each request was sent and, once its end is seen on the output topic, its end-to-end latency.
 *
 * <p>Send times live in a ring indexed by sequence number, so a long soak needs no growing map; a
 * request's first end counts and any later copy (possible under at-least-once) is ignored, because
 * its slot was cleared. Latencies go to HdrHistogram {@link Recorder}s in microseconds. A phase
 * covers a range of sequence numbers: only its own requests count towards it, so stragglers of an
 * earlier phase that timed out do not flatter the next one.
 *
 * <p>Besides the end, a pipeline may report a midpoint, the moment its first stage decided on the
 * request (for the fabric: the policy gate's ROUTED or BLOCKED status), which splits the latency
 * into the policy stage and the rest.
 */
final class CompletionLedger {
  static final int MAX_CAPACITY = 1 << 22;
  private static final long EMPTY = Long.MIN_VALUE;

  private final AtomicLongArray sentAt;
  private final int mask;
  private final LongFunction<String> expectedOutcome;
  private final Recorder endLatency = new Recorder(3);
  private final Recorder decidedLatency = new Recorder(3);
  private final LongAdder ended = new LongAdder();
  private final LongAdder phaseEnded = new LongAdder();
  private final LongAdder phaseDecided = new LongAdder();
  private final LongAdder stragglers = new LongAdder();
  private final LongAdder unexpected = new LongAdder();
  private final LongAdder duplicates = new LongAdder();
  private final Map<String, LongAdder> outcomes = new ConcurrentHashMap<>();
  private volatile long highestSent = -1;
  private volatile long phaseFrom;
  private volatile long phaseTo;
  private volatile long lastEndNanos;
  private volatile long lastDecidedNanos;
  private volatile long endedAtPhaseStart;

  /**
   * @param capacity how many requests may be outstanding at once (the ring is sized for it, up to {@link #MAX_CAPACITY})
   * @param expectedOutcome where request {@code seq} must end; any other end counts as unexpected
   */
  CompletionLedger(long capacity, LongFunction<String> expectedOutcome) {
    int size = Integer.highestOneBit((int) Math.max(1024, Math.min(MAX_CAPACITY, capacity)) * 2 - 1);
    size = Math.min(size, MAX_CAPACITY);
    this.sentAt = new AtomicLongArray(size);
    for (int i = 0; i < size; i++) {
      sentAt.set(i, EMPTY);
    }
    this.mask = size - 1;
    this.expectedOutcome = expectedOutcome;
  }

  /** Starts counting a phase made of requests {@code from .. to-1}; drops the latencies recorded so far. */
  void startPhase(long from, long to) {
    phaseFrom = from;
    phaseTo = to;
    endedAtPhaseStart = ended.sum();
    phaseEnded.reset();
    phaseDecided.reset();
    lastEndNanos = 0;
    lastDecidedNanos = 0;
    endLatency.getIntervalHistogram();
    decidedLatency.getIntervalHistogram();
  }

  /** Records that {@code seq} was (or was meant to be) sent at {@code nanos} ({@link System#nanoTime()}). */
  void sent(long seq, long nanos) {
    sentAt.set((int) (seq & mask), nanos);
    if (seq > highestSent) {
      highestSent = seq;
    }
  }

  /** Records that the pipeline's first stage decided on {@code seq} at {@code nanos}. */
  void decided(long seq, long nanos) {
    if (!tracked(seq) || seq < phaseFrom || seq >= phaseTo) {
      return;
    }
    long sent = sentAt.get((int) (seq & mask));
    if (sent == EMPTY) {
      return;
    }
    decidedLatency.recordValue(micros(nanos - sent));
    lastDecidedNanos = nanos;
    phaseDecided.increment();
  }

  /** Records the end of {@code seq}, seen at {@code nanos}; called by one output reader thread. */
  void ended(long seq, String outcome, long nanos) {
    if (!tracked(seq)) {
      return;
    }
    long sent = sentAt.getAndSet((int) (seq & mask), EMPTY);
    if (sent == EMPTY) {
      duplicates.increment();
      return;
    }
    outcomes.computeIfAbsent(outcome, o -> new LongAdder()).increment();
    if (!outcome.equals(expectedOutcome.apply(seq))) {
      unexpected.increment();
    }
    ended.increment();
    if (seq < phaseFrom || seq >= phaseTo) {
      stragglers.increment();
      return;
    }
    endLatency.recordValue(micros(nanos - sent));
    lastEndNanos = nanos;
    phaseEnded.increment();
  }

  private boolean tracked(long seq) {
    return seq >= 0 && seq > highestSent - (mask + 1L);
  }

  private static long micros(long nanos) {
    return Math.max(0, TimeUnit.NANOSECONDS.toMicros(nanos));
  }

  /** Requests of the current phase that ended. */
  long phaseEnded() {
    return phaseEnded.sum();
  }

  /** Requests of the current phase the first stage decided on. */
  long phaseDecided() {
    return phaseDecided.sum();
  }

  /** Ends of any request (the phase's or a straggler of an earlier one) since the phase started. */
  long endedSincePhaseStart() {
    return ended.sum() - endedAtPhaseStart;
  }

  /** Every end seen, whatever the phase. */
  long ended() {
    return ended.sum();
  }

  long stragglers() {
    return stragglers.sum();
  }

  long unexpected() {
    return unexpected.sum();
  }

  long duplicates() {
    return duplicates.sum();
  }

  long lastEndNanos() {
    return lastEndNanos;
  }

  long lastDecidedNanos() {
    return lastDecidedNanos;
  }

  /** End-to-end latencies of the current phase since the previous call. */
  Histogram takeEndLatencies() {
    return endLatency.getIntervalHistogram();
  }

  /** Latencies to the first stage's decision since the previous call. */
  Histogram takeDecidedLatencies() {
    return decidedLatency.getIntervalHistogram();
  }

  Map<String, Long> outcomes() {
    Map<String, Long> counts = new TreeMap<>();
    outcomes.forEach((outcome, count) -> counts.put(outcome, count.sum()));
    return counts;
  }
}
