package io.fabric.cli.bench;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** The numbers one benchmark run produces; {@link ReportWriter} prints them. */
final class BenchResults {
  private BenchResults() {}

  /** Percentiles of end-to-end latency, in milliseconds, from an HdrHistogram of microseconds. */
  record Latency(long count, double p50Ms, double p95Ms, double p99Ms, double p999Ms, double maxMs, double meanMs) {
    static Latency of(Histogram micros) {
      if (micros.getTotalCount() == 0) {
        return new Latency(0, 0, 0, 0, 0, 0, 0);
      }
      return new Latency(micros.getTotalCount(), ms(micros.getValueAtPercentile(50)), ms(micros.getValueAtPercentile(95)),
          ms(micros.getValueAtPercentile(99)), ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()), micros.getMean() / 1000.0);
    }

    private static double ms(long micros) {
      return micros / 1000.0;
    }
  }

  /**
   * One phase: {@code sent} requests offered at {@code offeredRate} per second (0 = as fast as
   * possible); {@code throughput} is requests ended per second from the first send to the last end.
   * {@code firstStage} is the same measured at the first stage's decision, when the pipeline reports
   * one (the fabric: policy-stream's status), else null. {@code cpuMsPerRequest} is the process's CPU
   * time per ended request during the phase, in total and by group (see {@link CpuProfile}).
   */
  record Phase(String name, long sent, long ended, double seconds, double offeredRate, double throughput, Latency latency,
               Stage firstStage, Map<String, Double> cpuMsPerRequest) {
    long missing() {
      return sent - ended;
    }
  }

  /** Requests a pipeline's first stage decided on, how fast, and how long after they were sent. */
  record Stage(long decided, double throughput, Latency latency) {}

  /** One reporting interval of a soak. */
  record SoakInterval(double atSeconds, long sent, long ended, double throughput, Latency latency, long outstanding,
                      long heapUsedBytes, long rssBytes) {}

  /**
   * Everything measured for one pipeline; {@code restarted} says the warm-up or saturation was cut
   * short by its time box and a fresh instance ran the latency phase (or soak). {@code offsetsPerRequest}:
   * each of the instance's topics' end offsets (summed over partitions) per request it received, i.e. the
   * records it wrote per request plus the transaction markers (one per partition per transaction); empty
   * when they could not be read.
   */
  record PipelineRun(String name, List<String> hops, double startSeconds, Phase warmup, Phase saturation, boolean restarted, Phase latency,
                     List<SoakInterval> soak, Phase soakTotal, Map<String, Long> outcomes, long unexpected, long duplicates,
                     String failure, Map<String, Double> offsetsPerRequest) {}

  /** The whole run. */
  record Report(Map<String, Object> settings, ProcessStats.Machine machine, String broker, PipelineRun fabric, PipelineRun baseline,
                ProcessStats.Memory memory, double totalSeconds) {}
}
