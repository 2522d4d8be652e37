package io.fabric.cli.bench;

import io.fabric.cli.bench.BenchResults.Latency;
import io.fabric.cli.bench.BenchResults.Phase;
import io.fabric.cli.bench.BenchResults.SoakInterval;
import io.fabric.cli.bench.BenchResults.Stage;
import io.fabric.contracts.TaskRequest;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * Drives one pipeline through the phases: as fast as possible (saturation), paced at a fixed rate
 * (latency), or paced for a long time with a report per interval (soak).
 *
 * <p>Paced sends are scheduled at {@code start + i / rate}; a request's latency is measured from its
 * scheduled time, not from when the sender got round to it, so a stalled sender shows up as latency
 * instead of silently lowering the load (no coordinated omission).
 */
final class PhaseRunner {
  private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final PrintWriter progress;

  PhaseRunner(PrintWriter progress) {
    this.progress = progress;
  }

  /** Sends every request at once and waits for all to end (or the timeout). */
  Phase saturate(String phase, Pipeline pipeline, CompletionLedger ledger, TaskRequest[] requests, Duration timeout) {
    startPhase(ledger, requests);
    CpuProfile cpu = CpuProfile.snapshot();
    long start = System.nanoTime();
    for (TaskRequest request : requests) {
      ledger.sent(Workload.seqOf(request.getRequestId()), System.nanoTime());
      pipeline.send(request);
    }
    pipeline.flush();
    return finish(phase, pipeline, ledger, requests.length, start, 0, timeout, null, cpu);
  }

  /** Sends the requests at {@code rate} per second and waits for all to end (or the timeout after the last send). */
  Phase paced(String phase, Pipeline pipeline, CompletionLedger ledger, TaskRequest[] requests, double rate, Duration drainTimeout) {
    startPhase(ledger, requests);
    CpuProfile cpu = CpuProfile.snapshot();
    long interval = Math.max(1, Math.round(1e9 / rate));
    long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
    for (int i = 0; i < requests.length; i++) {
      long due = start + i * interval;
      waitUntil(due);
      ledger.sent(Workload.seqOf(requests[i].getRequestId()), due);
      pipeline.send(requests[i]);
    }
    pipeline.flush();
    return finish(phase, pipeline, ledger, requests.length, start, rate, drainTimeout, null, cpu);
  }

  private static void startPhase(CompletionLedger ledger, TaskRequest[] requests) {
    if (requests.length > 0) {
      ledger.startPhase(Workload.seqOf(requests[0].getRequestId()), Workload.seqOf(requests[requests.length - 1].getRequestId()) + 1);
    }
  }

  /**
   * Sends generated requests at {@code rate} per second for {@code duration}, handing a {@link SoakInterval}
   * to {@code onInterval} every {@code every}; returns the intervals and the whole soak as one phase.
   */
  SoakOutcome soak(Pipeline pipeline, CompletionLedger ledger, Workload workload, long firstSeq, double rate, Duration duration,
                   Duration every, ProcessStats stats, Duration drainTimeout, Consumer<SoakInterval> onInterval) {
    Histogram total = new Histogram(3);
    List<SoakInterval> intervals = new ArrayList<>();
    long interval = Math.max(1, Math.round(1e9 / rate));
    long count = (long) Math.ceil(rate * duration.toNanos() / 1e9);
    try (RequestGenerator generator = new RequestGenerator(workload, firstSeq, count, (int) Math.min(200_000, Math.max(2_000, rate * 5)))) {
      generator.awaitFilled();
      ledger.startPhase(firstSeq, firstSeq + count);
      CpuProfile cpu = CpuProfile.snapshot();
      long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1);
      long nextReport = start + every.toNanos();
      long sentAtReport = 0;
      long endedAtReport = 0;
      long reportStart = start;
      for (long i = 0; i < count; i++) {
        long due = start + i * interval;
        waitUntil(due);
        TaskRequest request = generator.next();
        ledger.sent(Workload.seqOf(request.getRequestId()), due);
        pipeline.send(request);
        long now = System.nanoTime();
        if (now >= nextReport) {
          Histogram window = ledger.takeEndLatencies();
          total.add(window);
          long ended = ledger.phaseEnded();
          ProcessStats.Memory memory = stats.memory();
          SoakInterval report = new SoakInterval((now - start) / 1e9, i + 1 - sentAtReport, ended - endedAtReport,
              (ended - endedAtReport) / ((now - reportStart) / 1e9), Latency.of(window), i + 1 - ended, memory.heapUsedBytes(), memory.rssBytes());
          intervals.add(report);
          onInterval.accept(report);
          sentAtReport = i + 1;
          endedAtReport = ended;
          reportStart = now;
          nextReport += every.toNanos();
          String failure = pipeline.failure();
          if (failure != null) {
            throw new IllegalStateException("the " + pipeline.name() + " pipeline failed during the soak: " + failure);
          }
        }
      }
      pipeline.flush();
      Phase last = finish("soak", pipeline, ledger, count, start, rate, drainTimeout, total, cpu);
      Phase whole = new Phase("soak", count, last.ended(), last.seconds(), rate, last.throughput(), Latency.of(total), last.firstStage(),
          last.cpuMsPerRequest());
      return new SoakOutcome(intervals, whole, generator.stalls());
    }
  }

  /** The intervals of a soak, the whole soak as one phase, and how often the sender had to wait for the generator. */
  record SoakOutcome(List<SoakInterval> intervals, Phase total, long generatorStalls) {}

  /** Waits for the phase's requests to end; {@code accumulate}, when given, also gets the phase's last latencies. */
  private Phase finish(String phase, Pipeline pipeline, CompletionLedger ledger, long sent, long start, double rate, Duration timeout,
                       Histogram accumulate, CpuProfile cpuAtStart) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long nextProgress = System.nanoTime() + PROGRESS_EVERY_NANOS;
    String failure = null;
    while (ledger.phaseEnded() < sent && System.nanoTime() < deadline) {
      failure = pipeline.failure();
      if (failure != null) {
        break;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      if (System.nanoTime() >= nextProgress) {
        progress.printf(Locale.ROOT, "  %s %s: %,d of %,d ended%n", pipeline.name(), phase, ledger.phaseEnded(), sent);
        progress.flush();
        nextProgress += PROGRESS_EVERY_NANOS;
      }
    }
    long ended = ledger.phaseEnded();
    java.util.Map<String, Double> cpu = CpuProfile.snapshot().perRequestSince(cpuAtStart,
        ended < sent ? ledger.endedSincePhaseStart() : ended);
    Histogram latencies = ledger.takeEndLatencies();
    if (accumulate != null) {
      accumulate.add(latencies);
    }
    // a phase cut short by its box is measured over the box, counting every end in it (a backlog of
    // earlier phases' requests is the same work); a finished phase from first send to last end
    boolean cutShort = ended < sent;
    double seconds = cutShort ? (System.nanoTime() - start) / 1e9 : Math.max(1e-9, (ledger.lastEndNanos() - start) / 1e9);
    double throughput = (cutShort ? ledger.endedSincePhaseStart() : ended) / seconds;
    long decided = ledger.phaseDecided();
    Stage firstStage = null;
    if (decided > 0) {
      double decidedSeconds = Math.max(1e-9, (ledger.lastDecidedNanos() - start) / 1e9);
      firstStage = new Stage(decided, decided / decidedSeconds, Latency.of(ledger.takeDecidedLatencies()));
    }
    if (failure != null) {
      progress.println("  " + pipeline.name() + " " + phase + ": stopped waiting: " + failure);
    } else if (ended < sent) {
      progress.printf(Locale.ROOT, "  %s %s: %,d of %,d requests did not end within %s%n", pipeline.name(), phase, sent - ended, sent, timeout);
    }
    progress.flush();
    return new Phase(phase, sent, ended, seconds, rate, throughput, Latency.of(latencies), firstStage, cpu);
  }

  private static void waitUntil(long due) {
    long wait;
    while ((wait = due - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
    }
  }

  /** Builds soak requests ahead of the sender on the common pool, so signing tokens does not pace the sends. */
  private static final class RequestGenerator implements AutoCloseable {
    private static final int CHUNK = 256;
    private final BlockingQueue<TaskRequest> queue;
    private final Thread thread;
    private volatile boolean closing;
    private long stalls;

    RequestGenerator(Workload workload, long firstSeq, long count, int capacity) {
      this.queue = new ArrayBlockingQueue<>(capacity);
      this.thread = new Thread(() -> {
        try {
          for (long seq = firstSeq; seq < firstSeq + count && !closing; seq += CHUNK) {
            for (TaskRequest request : workload.build(seq, (int) Math.min(CHUNK, firstSeq + count - seq))) {
              queue.put(request);
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "bench-request-generator");
      thread.setDaemon(true);
      thread.start();
    }

    void awaitFilled() {
      while (queue.remainingCapacity() > CHUNK && thread.isAlive()) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
      }
    }

    TaskRequest next() {
      TaskRequest request = queue.poll();
      if (request != null) {
        return request;
      }
      stalls++;
      try {
        return queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the request generator", e);
      }
    }

    long stalls() {
      return stalls;
    }

    @Override
    public void close() {
      closing = true;
      thread.interrupt();
    }
  }
}
