package io.fabric.cli.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric.cli.bench.BenchResults.Latency;
import io.fabric.cli.bench.BenchResults.Phase;
import io.fabric.cli.bench.BenchResults.PipelineRun;
import io.fabric.cli.bench.BenchResults.Report;
import io.fabric.cli.bench.BenchResults.SoakInterval;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prints a {@link Report}: a table for people, or JSON with snake_case keys for scripts. Also judges
 * the run against the targets of the benchmark issue (reported, never asserted) and tells whether the
 * numbers can be trusted at all (every request ended where it should, nothing failed).
 */
final class ReportWriter {
  /** The targets of the benchmark issue, for exactly_once_v2 on a 2-core machine with the broker in process. */
  static final double TARGET_THROUGHPUT_RATIO = 0.8;
  static final double TARGET_THROUGHPUT = 10_000;
  static final double TARGET_P99_RATIO = 1.5;
  static final long TARGET_RSS_BYTES = 1L << 30;

  private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Report report;
  private final boolean exactlyOnce;

  ReportWriter(Report report, boolean exactlyOnce) {
    this.report = report;
    this.exactlyOnce = exactlyOnce;
  }

  /**
   * True when no stage failed, every request ended where the mix says it must, and every request of
   * the latency phase (or soak) ended; warm-up and saturation may be cut short by their time box.
   */
  boolean trustworthy() {
    for (PipelineRun run : runs()) {
      if (run.failure() != null || run.unexpected() > 0) {
        return false;
      }
      for (Phase phase : phases(run)) {
        boolean boxed = phase == run.warmup() || phase == run.saturation();
        if (phase.missing() > 0 && !(boxed && run.restarted())) {
          return false;
        }
      }
    }
    return true;
  }

  String json() {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("settings", report.settings());
    root.put("machine", machine());
    root.put("broker", report.broker());
    if (report.fabric() != null) {
      root.put("fabric", run(report.fabric()));
    }
    if (report.baseline() != null) {
      root.put("baseline", run(report.baseline()));
    }
    root.put("ratio", ratios());
    root.put("targets", targets());
    root.put("memory", memory());
    root.put("trustworthy", trustworthy());
    root.put("total_seconds", round(report.totalSeconds(), 1));
    try {
      return MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON: " + e.getMessage(), e);
    }
  }

  String text() {
    StringBuilder b = new StringBuilder();
    Map<String, Object> s = report.settings();
    b.append(String.format(Locale.ROOT, "fabric bench: %,d requests (after %,d warm-up), mix %s, %s-byte payloads, %s partitions, %s, commit.interval.ms=%s%n",
        (Integer) s.get("requests"), (Integer) s.get("warmup"), s.get("mix"), s.get("payload_bytes"), s.get("partitions"), s.get("guarantee"),
        s.get("commit_interval_ms")));
    b.append("producer settings (ingress, every Streams app, the baseline's relay): ").append(s.get("producer")).append('\n');
    if (!((Map<?, ?>) s.get("streams_overrides")).isEmpty()) {
      b.append("streams overrides: ").append(s.get("streams_overrides")).append('\n');
    }
    if (s.get("configurations") instanceof Map<?, ?> configurations) {
      configurations.forEach((pipeline, config) -> b.append(pipeline).append(" configuration: ").append(describeConfiguration(config))
          .append('\n'));
    }
    b.append('\n');
    Phase anyLatency = runs().stream().map(PipelineRun::latency).filter(java.util.Objects::nonNull).findFirst().orElse(null);
    String latencyHeader = anyLatency == null ? "latency" : String.format(Locale.ROOT, "latency at %,.0f req/s", anyLatency.offeredRate());
    String format = "%-17s %12s   %9s %9s %9s %9s   %-20s%n";
    b.append(String.format(Locale.ROOT, format, "", "saturation", "", "", latencyHeader, "", ""));
    b.append(String.format(Locale.ROOT, format, "", "requests/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "ended (sat. / lat.)"));
    for (PipelineRun run : runs()) {
      Latency l = run.latency() == null ? null : run.latency().latency();
      b.append(String.format(Locale.ROOT, format, run.name(), number(run.saturation().throughput()), ms(l == null ? null : l.p50Ms()),
          ms(l == null ? null : l.p95Ms()), ms(l == null ? null : l.p99Ms()), ms(l == null ? null : l.maxMs()),
          ended(run.saturation()) + " / " + (run.latency() == null ? "-" : ended(run.latency()))));
      if (run.saturation().firstStage() != null) {
        BenchResults.Stage sat = run.saturation().firstStage();
        Latency d = run.latency() == null || run.latency().firstStage() == null ? null : run.latency().firstStage().latency();
        b.append(String.format(Locale.ROOT, format, "  policy decided", number(sat.throughput()), ms(d == null ? null : d.p50Ms()),
            ms(d == null ? null : d.p95Ms()), ms(d == null ? null : d.p99Ms()), ms(d == null ? null : d.maxMs()), "(ROUTED/BLOCKED status)"));
      }
    }
    Map<String, Object> ratio = ratios();
    if (!ratio.isEmpty()) {
      b.append(String.format(Locale.ROOT, format, "fabric/baseline", ratio(ratio.get("throughput")), ratio(ratio.get("p50")),
          ratio(ratio.get("p95")), ratio(ratio.get("p99")), ratio(ratio.get("max")), ""));
    }
    b.append('\n');
    if (report.fabric() != null && report.fabric().soakTotal() != null) {
      Phase soak = report.fabric().soakTotal();
      b.append(String.format(Locale.ROOT, "soak at %,.0f req/s: %s ended in %.0f s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.1f ms%n%n",
          soak.offeredRate(), ended(soak), soak.seconds(), soak.latency().p50Ms(), soak.latency().p95Ms(), soak.latency().p99Ms(),
          soak.latency().maxMs()));
    }
    b.append(exactlyOnce ? "targets (issue 8, exactly_once_v2):\n" : "targets (issue 8 sets them for exactly_once_v2; shown for reference):\n");
    for (Map<String, Object> target : targets()) {
      b.append(String.format(Locale.ROOT, "  %-40s %-14s %s%n", target.get("name"), target.get("measured_text"),
          Boolean.TRUE.equals(target.get("met")) ? "met" : target.get("met") == null ? "n/a" : "NOT met"));
    }
    ProcessStats.Memory m = report.memory();
    b.append(String.format(Locale.ROOT, "memory: heap used %s (peak %s, max %s), RSS %s (peak %s)%n", mib(m.heapUsedBytes()),
        mib(m.heapPeakBytes()), mib(m.heapMaxBytes()), mib(m.rssBytes()), mib(m.rssPeakBytes())));
    for (PipelineRun run : runs()) {
      b.append(String.format(Locale.ROOT, "%s ends: %s; unexpected %d, duplicates %d%s%n", run.name(), run.outcomes(), run.unexpected(),
          run.duplicates(), run.failure() == null ? "" : "; FAILED: " + run.failure()));
      b.append(String.format(Locale.ROOT, "%s CPU per request at saturation: %s; JIT %s of it%n", run.name(),
          CpuProfile.describe(run.saturation().cpuMsPerRequest()), percent(jitShare(run.saturation()))));
      if (!run.offsetsPerRequest().isEmpty()) {
        StringBuilder topics = new StringBuilder();
        run.offsetsPerRequest().forEach((topic, n) -> topics.append(topics.length() == 0 ? "" : ", ").append(topic).append(' ')
            .append(String.format(Locale.ROOT, "%.2f", n)));
        b.append(String.format(Locale.ROOT, "%s records written per request (end offsets, incl. transaction markers): %.2f (%s)%n", run.name(),
            run.offsetsPerRequest().values().stream().mapToDouble(Double::doubleValue).sum(), topics));
      }
      if (run.restarted()) {
        b.append(String.format(Locale.ROOT, "%s: warm-up and saturation did not finish within their time box (saturation: %,d of %,d ended in"
            + " %.0f s); a fresh instance ran the latency phase%n", run.name(), run.saturation().ended(), run.saturation().sent(),
            run.saturation().seconds()));
      }
    }
    ProcessStats.Machine mc = report.machine();
    b.append(String.format(Locale.ROOT, "machine: %s, %d cores, %s RAM, %s, %s; load average at start %s%n", mc.cpuModel(), mc.cores(),
        mib(mc.memoryBytes()), mc.os(), mc.java(), mc.loadAverageAtStart()));
    b.append("broker: ").append(report.broker()).append('\n');
    for (PipelineRun run : runs()) {
      b.append(run.name()).append(" hops: ").append(String.join(" -> ", run.hops())).append('\n');
    }
    b.append(String.format(Locale.ROOT, "took %.0f s%s%n", report.totalSeconds(),
        trustworthy() ? "" : "; NOT TRUSTWORTHY: some requests did not end where they should, or a stage failed"));
    return b.toString();
  }

  static String soakLine(SoakInterval i) {
    Latency l = i.latency();
    return String.format(Locale.ROOT, "soak %7.0f s: %,9.0f req/s ended, p50 %7.1f ms, p95 %7.1f ms, p99 %7.1f ms, max %8.1f ms,"
            + " outstanding %,d, heap %s, RSS %s", i.atSeconds(), i.throughput(), l.p50Ms(), l.p95Ms(), l.p99Ms(), l.maxMs(), i.outstanding(),
        mib(i.heapUsedBytes()), mib(i.rssBytes()));
  }

  private List<PipelineRun> runs() {
    List<PipelineRun> runs = new ArrayList<>();
    if (report.fabric() != null) {
      runs.add(report.fabric());
    }
    if (report.baseline() != null) {
      runs.add(report.baseline());
    }
    return runs;
  }

  private static List<Phase> phases(PipelineRun run) {
    List<Phase> phases = new ArrayList<>();
    for (Phase p : new Phase[] {run.warmup(), run.saturation(), run.latency(), run.soakTotal()}) {
      if (p != null) {
        phases.add(p);
      }
    }
    return phases;
  }

  private Map<String, Object> ratios() {
    Map<String, Object> ratio = new LinkedHashMap<>();
    PipelineRun f = report.fabric();
    PipelineRun b = report.baseline();
    if (f == null || b == null) {
      return ratio;
    }
    ratio.put("throughput", divide(f.saturation().throughput(), b.saturation().throughput()));
    if (f.latency() != null && b.latency() != null) {
      Latency fl = f.latency().latency();
      Latency bl = b.latency().latency();
      ratio.put("p50", divide(fl.p50Ms(), bl.p50Ms()));
      ratio.put("p95", divide(fl.p95Ms(), bl.p95Ms()));
      ratio.put("p99", divide(fl.p99Ms(), bl.p99Ms()));
      ratio.put("max", divide(fl.maxMs(), bl.maxMs()));
    }
    return ratio;
  }

  private List<Map<String, Object>> targets() {
    List<Map<String, Object>> targets = new ArrayList<>();
    Map<String, Object> ratio = ratios();
    Double throughputRatio = (Double) ratio.get("throughput");
    targets.add(target("throughput >= 0.8x baseline", "throughput_ratio_min", TARGET_THROUGHPUT_RATIO, throughputRatio,
        throughputRatio == null ? null : throughputRatio >= TARGET_THROUGHPUT_RATIO, ratioText(throughputRatio)));
    Double throughput = report.fabric() == null ? null : round(report.fabric().saturation().throughput(), 0);
    targets.add(target("throughput >= 10,000 requests/s", "throughput_min", TARGET_THROUGHPUT, throughput,
        throughput == null ? null : throughput >= TARGET_THROUGHPUT, throughput == null ? "-" : number(throughput)));
    Double p99Ratio = (Double) ratio.get("p99");
    targets.add(target("p99 at half saturation <= 1.5x baseline", "p99_ratio_max", TARGET_P99_RATIO, p99Ratio,
        p99Ratio == null ? null : p99Ratio <= TARGET_P99_RATIO, ratioText(p99Ratio)));
    long rss = report.memory().rssPeakBytes();
    targets.add(target("process RSS <= 1 GiB (peak)", "rss_max_bytes", (double) TARGET_RSS_BYTES, (double) rss, rss <= TARGET_RSS_BYTES, mib(rss)));
    return targets;
  }

  private static Map<String, Object> target(String name, String key, double target, Double measured, Boolean met, String measuredText) {
    Map<String, Object> t = new LinkedHashMap<>();
    t.put("name", name);
    t.put("key", key);
    t.put("target", target);
    t.put("measured", measured);
    t.put("met", met);
    t.put("measured_text", measuredText);
    return t;
  }

  private Map<String, Object> run(PipelineRun run) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("hops", run.hops());
    r.put("start_seconds", round(run.startSeconds(), 2));
    r.put("warmup", phase(run.warmup()));
    r.put("saturation", phase(run.saturation()));
    r.put("restarted_after_time_box", run.restarted());
    if (run.latency() != null) {
      r.put("latency", phase(run.latency()));
    }
    if (run.soakTotal() != null) {
      r.put("soak", phase(run.soakTotal()));
      List<Map<String, Object>> intervals = new ArrayList<>();
      for (SoakInterval i : run.soak()) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("at_seconds", round(i.atSeconds(), 1));
        m.put("sent", i.sent());
        m.put("ended", i.ended());
        m.put("requests_per_second", round(i.throughput(), 1));
        m.put("latency_ms", latency(i.latency()));
        m.put("outstanding", i.outstanding());
        m.put("heap_used_bytes", i.heapUsedBytes());
        m.put("rss_bytes", i.rssBytes());
        intervals.add(m);
      }
      r.put("soak_intervals", intervals);
    }
    r.put("offsets_per_request_by_topic", run.offsetsPerRequest());
    r.put("offsets_per_request", round(run.offsetsPerRequest().values().stream().mapToDouble(Double::doubleValue).sum(), 3));
    r.put("outcomes", run.outcomes());
    r.put("unexpected_outcomes", run.unexpected());
    r.put("duplicates", run.duplicates());
    r.put("failure", run.failure());
    return r;
  }

  private static Map<String, Object> phase(Phase p) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sent", p.sent());
    m.put("ended", p.ended());
    m.put("missing", p.missing());
    m.put("seconds", round(p.seconds(), 3));
    m.put("offered_rate", p.offeredRate() == 0 ? null : round(p.offeredRate(), 1));
    m.put("requests_per_second", round(p.throughput(), 1));
    m.put("latency_ms", latency(p.latency()));
    m.put("cpu_ms_per_request", p.cpuMsPerRequest());
    m.put("jit_share_of_cpu", jitShare(p));
    if (p.firstStage() != null) {
      Map<String, Object> stage = new LinkedHashMap<>();
      stage.put("decided", p.firstStage().decided());
      stage.put("requests_per_second", round(p.firstStage().throughput(), 1));
      stage.put("latency_ms", latency(p.firstStage().latency()));
      m.put("first_stage", stage);
    }
    return m;
  }

  /**
   * The share of the phase's measured CPU the JIT compilers reported (CompilationMXBean): a phase
   * too short for the code to be compiled before it measures the compiler, not the pipeline.
   */
  static Double jitShare(Phase p) {
    Map<String, Double> cpu = p.cpuMsPerRequest();
    Double total = cpu == null ? null : cpu.get("total");
    Double jit = cpu == null ? null : cpu.get("of which jit");
    return total == null || jit == null || total <= 0 ? null : round(Math.min(1.0, jit / total), 3);
  }

  private static String percent(Double share) {
    return share == null ? "-" : String.format(Locale.ROOT, "%.1f%%", share * 100);
  }

  /** One line of a pipeline's configuration: its Streams settings and its last stage's (runtime or relay). */
  private static String describeConfiguration(Object config) {
    if (!(config instanceof Map<?, ?> c)) {
      return String.valueOf(config);
    }
    StringBuilder b = new StringBuilder();
    b.append(c.get("streams_apps"));
    if (c.get("streams") instanceof Map<?, ?> streams) {
      b.append(" (").append(streams.get("processing_guarantee")).append(", commit.interval.ms=").append(streams.get("commit_interval_ms"))
          .append(", num.stream.threads=").append(streams.get("num_stream_threads")).append(')');
    }
    if (c.get("plugin_runtime") instanceof Map<?, ?> runtime) {
      b.append("; plugin runtime: max.poll.records=").append(runtime.get("max_poll_records")).append(", ").append(runtime.get("tasks_per_poll"))
          .append(" tasks per poll (worst case ").append(runtime.get("worst_case_call_ms")).append(" ms), batch linger ")
          .append(runtime.get("batch_linger_ms")).append(" ms, ").append(runtime.get("transactions"));
    }
    if (c.get("relay") instanceof Map<?, ?> relay) {
      b.append("; relay: max.poll.records=").append(relay.get("max_poll_records")).append(" (").append(relay.get("max_poll_records_source"))
          .append("), ").append(relay.get("transactions"));
    }
    return b.toString();
  }

  private static Map<String, Object> latency(Latency l) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", l.count());
    m.put("p50", l.p50Ms());
    m.put("p95", l.p95Ms());
    m.put("p99", l.p99Ms());
    m.put("p999", l.p999Ms());
    m.put("max", l.maxMs());
    m.put("mean", round(l.meanMs(), 3));
    return m;
  }

  private Map<String, Object> memory() {
    ProcessStats.Memory mem = report.memory();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("heap_used_bytes", mem.heapUsedBytes());
    m.put("heap_peak_bytes", mem.heapPeakBytes());
    m.put("heap_max_bytes", mem.heapMaxBytes());
    m.put("rss_bytes", mem.rssBytes());
    m.put("rss_peak_bytes", mem.rssPeakBytes());
    return m;
  }

  private Map<String, Object> machine() {
    ProcessStats.Machine mc = report.machine();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpu", mc.cpuModel());
    m.put("cores", mc.cores());
    m.put("memory_bytes", mc.memoryBytes());
    m.put("os", mc.os());
    m.put("java", mc.java());
    m.put("jvm_arguments", mc.jvmArguments());
    m.put("load_average_at_start", mc.loadAverageAtStart());
    return m;
  }

  private static Double divide(double a, double b) {
    return b == 0 ? null : round(a / b, 3);
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  private static String ms(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.1f", value);
  }

  private static String ratio(Object value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.2f", (Double) value);
  }

  private static String ratioText(Double value) {
    return value == null ? "-" : String.format(Locale.ROOT, "%.2fx", value);
  }

  private static String ended(Phase p) {
    return String.format(Locale.ROOT, "%,d/%,d", p.ended(), p.sent());
  }

  static String mib(long bytes) {
    return bytes < 0 ? "?" : String.format(Locale.ROOT, "%,d MiB", bytes >> 20);
  }
}
