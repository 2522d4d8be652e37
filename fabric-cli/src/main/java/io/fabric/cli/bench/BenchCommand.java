package io.fabric.cli.bench;

import io.fabric.cli.ClusterOrEmbeddedOptions;
import io.fabric.cli.OutputOptions;
import io.fabric.cli.bench.BenchResults.Phase;
import io.fabric.cli.bench.BenchResults.PipelineRun;
import io.fabric.cli.bench.BenchResults.Report;
import io.fabric.contracts.TaskRequest;
import io.fabric.deploy.EmbeddedKafkaBroker;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fabric bench}: throughput and end-to-end latency of the whole pipeline (ingress, policy,
 * router, plugin runtime with a no-op plugin, status) and, in the same run, of a plain Kafka chain
 * of the same shape, so the report can say what the fabric costs over Kafka itself.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Measure the fabric's throughput and end-to-end latency against a plain Kafka Streams baseline of the same shape.",
        "Phases, for the fabric and then the baseline: warm-up; saturation (--requests as fast as possible -> requests/s);"
            + " latency (--rate for --latency-duration -> p50/p95/p99/max from submit to the request's end).",
        "Uses a fresh embedded broker in a temp dir unless --bootstrap-server is given (then every topic gets a unique"
            + " per-run prefix and is deleted afterwards). Progress goes to stderr; the report to stdout."})
public final class BenchCommand implements Callable<Integer> {
  /** Which pipelines to run. */
  public enum Only { fabric, baseline }

  /** The processing guarantee of the Streams apps of both pipelines. */
  public enum Guarantee {
    eos(StreamsConfig.EXACTLY_ONCE_V2), alo(StreamsConfig.AT_LEAST_ONCE);

    final String streamsValue;

    Guarantee(String streamsValue) {
      this.streamsValue = streamsValue;
    }
  }

  @Option(names = "--requests", paramLabel = "N", defaultValue = "15000", description = "Requests of the saturation phase (default ${DEFAULT-VALUE}).")
  int requests;

  @Option(names = "--rate", paramLabel = "R", defaultValue = "0",
      description = "Requests/s of the latency phase (default: half the fabric's measured saturation; the baseline gets the same rate).")
  double rate;

  @Option(names = "--mix", paramLabel = "MIX", defaultValue = RequestMix.DEFAULT, converter = RequestMix.Converter.class,
      description = "Shares of class A, B (pre-approved with signed tokens), C (blocked) and unknown (class B, pre-approved) requests (default ${DEFAULT-VALUE}).")
  RequestMix mix;

  @Option(names = "--payload-bytes", paramLabel = "N", defaultValue = "512", description = "Size of each request's JSON payload (default ${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--partitions", paramLabel = "P", defaultValue = "3", description = "Partitions of every topic (default ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--guarantee", paramLabel = "eos|alo", defaultValue = "eos",
      description = "exactly_once_v2 or at_least_once for the Streams apps of both pipelines (default ${DEFAULT-VALUE}); the plugin runtime and the baseline's relay are transactional either way.")
  Guarantee guarantee;

  @Mixin
  ClusterOrEmbeddedOptions cluster;

  @Mixin
  OutputOptions output;

  @Option(names = "--warmup", paramLabel = "N", defaultValue = "5000", description = "Requests sent and awaited before measuring (default ${DEFAULT-VALUE}).")
  int warmup;

  @Option(names = "--latency-duration", paramLabel = "DURATION", defaultValue = "PT10S", description = "Length of the latency phase (default ${DEFAULT-VALUE}).")
  Duration latencyDuration;

  @Option(names = "--soak", paramLabel = "DURATION",
      description = "Instead of the latency phase and the baseline: run the fabric at --rate for this long (e.g. PT1H), reporting every --report-every.")
  Duration soak;

  @Option(names = "--report-every", paramLabel = "DURATION", defaultValue = "PT10S", description = "Soak reporting interval (default ${DEFAULT-VALUE}).")
  Duration reportEvery;

  @Option(names = "--commit-interval-ms", paramLabel = "MS",
      description = "commit.interval.ms of every Streams app of both pipelines (default: the fabric's, " + FabricStreamsConfig.DEFAULT_COMMIT_INTERVAL_MS + ").")
  Integer commitIntervalMs;

  @Option(names = "--streams-config", paramLabel = "KEY=VALUE",
      description = "Extra Streams setting for every Streams app of both pipelines, e.g. num.stream.threads=2 or producer.linger.ms=10 (repeatable).")
  Map<String, String> streamsConfig = new LinkedHashMap<>();

  @Option(names = "--baseline-stages", paramLabel = "N", defaultValue = "2",
      description = "Streams identity stages of the baseline before its transactional relay (default ${DEFAULT-VALUE}: one per fabric Streams app).")
  int baselineStages;

  @Option(names = "--relay-max-poll-records", paramLabel = "N",
      description = "max.poll.records of the baseline's relay (default: Kafka's, " + ConsumerConfig.DEFAULT_MAX_POLL_RECORDS
          + ", what a Kafka user gets without tuning).")
  Integer relayMaxPollRecords;

  @Option(names = "--only", paramLabel = "fabric|baseline", description = "Run one pipeline only.")
  Only only;

  @Option(names = "--phase-timeout", paramLabel = "DURATION", defaultValue = "PT20S",
      description = "Time box of the warm-up and of the saturation phase (default ${DEFAULT-VALUE}): a pipeline that cannot end all"
          + " their requests in time is measured over the box, then a fresh instance runs the latency phase.")
  Duration phaseTimeout;

  @Option(names = "--unsigned",
      description = "Send unsigned requests to an open gate (no submitter registry): the run before identity, to measure its cost.")
  boolean unsigned;

  @Option(names = "--keep", description = "Keep the temp dir (and, on --bootstrap-server, the run's topics).")
  boolean keep;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** See {@link #baselineSaturation}. */
  static final double SATURATION_SECONDS_WITHOUT_FABRIC = 10;
  static final int MAX_BASELINE_REQUESTS = 60_000;
  static final long BASELINE_SEQ_BASE = 100_000_000L;

  private double fabricSaturationSeconds;
  /** The baseline's next sequence number after its renumbered saturation requests; 0 when it was not renumbered. */
  private long baselineNextSeq;
  /** Where the run's topics are, for counting what each pipeline wrote. */
  private KafkaConnection runConnection;
  private String runPrefix;
  private TaskRequest[] warmupRequests;
  private TaskRequest[] saturationRequests;
  private TaskRequest[] latencyRequests;

  @Override
  public Integer call() throws IOException {
    validate();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter progress = spec.commandLine().getErr();
    long started = System.nanoTime();
    ProcessStats.Machine machine = ProcessStats.machine();
    String runId = "b" + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36, 36L * 36 * 36 * 36 * 36 * 36), 36);
    Path dir = Files.createTempDirectory("fabric-bench-");
    EmbeddedKafkaBroker broker = null;
    String prefix = cluster.embedded() ? "bench." : "bench-" + runId + ".";
    KafkaConnection connection = null;
    try (ProcessStats stats = ProcessStats.start()) {
      String brokerDescription;
      if (cluster.embedded()) {
        say(progress, "starting an embedded Kafka broker in %s ...", dir);
        broker = EmbeddedKafkaBroker.start(dir.resolve("broker"), 0);
        connection = KafkaConnection.of(broker.bootstrapServers());
        brokerDescription = "embedded single-node KRaft broker in this JVM (" + broker.bootstrapServers() + ")";
      } else {
        connection = cluster.connection();
        brokerDescription = cluster.bootstrapServer() + " (topic prefix " + prefix + ")";
      }
      runConnection = connection;
      runPrefix = prefix;
      say(progress, "building %,d %s requests (mix %s, %d-byte payloads, %.0f%% with signed tokens) ...", warmup + requests,
          unsigned ? "unsigned" : "signed", mix, payloadBytes, mix.approvedShare() * 100);
      Workload workload = new Workload(mix, payloadBytes, runId, !unsigned);
      warmupRequests = workload.build(0, warmup);
      saturationRequests = workload.build(warmup, requests);
      PhaseRunner runner = new PhaseRunner(progress);
      PipelineRun fabric = null;
      PipelineRun baseline = null;
      double latencyRate = rate;
      if (only != Only.baseline) {
        fabric = runFabric(connection, prefix, dir, workload, runner, stats, progress, out);
        latencyRate = fabric.latency() != null ? fabric.latency().offeredRate() : latencyRate;
        fabricSaturationSeconds = fabric.saturation().seconds();
      }
      if (only != Only.fabric && soak == null) {
        baseline = runBaseline(connection, prefix, dir, workload, runner, latencyRate, stats, progress, out);
      }
      Map<String, Object> settings = settings();
      settings.put("configurations", configurations(connection, workload));
      Report report = new Report(settings, machine, brokerDescription, fabric, baseline, stats.memory(), (System.nanoTime() - started) / 1e9);
      ReportWriter writer = new ReportWriter(report, guarantee == Guarantee.eos);
      if (output.json()) {
        out.println(writer.json());
      } else {
        out.print(writer.text());
      }
      out.flush();
      return writer.trustworthy() ? 0 : 1;
    } finally {
      warmupRequests = null;
      saturationRequests = null;
      latencyRequests = null;
      if (!cluster.embedded() && connection != null && !keep) {
        int deleted = BenchKafka.deleteTopics(connection, prefix);
        say(progress, "deleted the run's %d topics (prefix %s)", deleted, prefix);
      }
      if (broker != null) {
        broker.close();
      }
      if (keep) {
        say(progress, "kept %s", dir);
      } else {
        deleteTree(dir);
      }
    }
  }

  /** Starts one pipeline instance on topics and apps named after {@code instance}, reporting ends to {@code ledger}. */
  @FunctionalInterface
  private interface PipelineFactory {
    Pipeline start(String instance, CompletionLedger ledger);
  }

  private PipelineRun runFabric(KafkaConnection connection, String prefix, Path dir, Workload workload, PhaseRunner runner,
                                ProcessStats stats, PrintWriter progress, PrintWriter out) {
    say(progress, "fabric: starting policy-stream, router-stream and the plugin runtime (%s) ...", guarantee.streamsValue);
    return run("fabric", (instance, ledger) -> FabricPipeline.start(connection, prefix + instance + ".", partitions, workload,
            dir.resolve(instance + "-state"), streamsOverrides(), ledger),
        seq -> workload.mix().kindOf(seq).expectedOutcome().name(), warm -> saturationRequests, latency -> latency, rate, workload, runner, stats, progress, out);
  }

  private PipelineRun runBaseline(KafkaConnection connection, String prefix, Path dir, Workload workload, PhaseRunner runner,
                                  double latencyRate, ProcessStats stats, PrintWriter progress, PrintWriter out) {
    say(progress, "baseline: starting %d Streams identity stages and a transactional relay (%s) ...", baselineStages, guarantee.streamsValue);
    return run("baseline", (instance, ledger) -> BaselinePipeline.start(connection, prefix + instance + ".", partitions, baselineStages,
            relayPollRecords(), dir.resolve(instance + "-state"), streamsOverrides(), ledger),
        seq -> BaselinePipeline.DELIVERED, warm -> baselineSaturation(workload, warm, progress),
        latency -> baselineLatency(workload, latency), latencyRate, workload, runner, stats, progress,
        out);
  }

  /**
   * Warm-up, saturation, then the latency phase (or the soak). Warm-up and saturation are boxed by
   * {@code --phase-timeout}: a pipeline too slow to finish them is measured over the box, and a fresh
   * instance (new topics, new apps) is started for the latency phase, so the backlog left behind does
   * not load it.
   */
  private PipelineRun run(String name, PipelineFactory factory, LongFunction<String> expected,
                          java.util.function.Function<Phase, TaskRequest[]> saturationAfter,
                          java.util.function.UnaryOperator<TaskRequest[]> latencyOf, double latencyRate,
                          Workload workload, PhaseRunner runner, ProcessStats stats, PrintWriter progress, PrintWriter out) {
    long capacity = soak == null ? Math.max(1 << 20, (long) warmup + requests) : CompletionLedger.MAX_CAPACITY;
    CompletionLedger ledger = new CompletionLedger(capacity, expected);
    Map<String, Long> outcomes = new TreeMap<>();
    long unexpected = 0;
    long duplicates = 0;
    long t0 = System.nanoTime();
    Pipeline pipeline = factory.start(name, ledger);
    try {
      double startSeconds = (System.nanoTime() - t0) / 1e9;
      List<String> hops = pipeline.hops();
      say(progress, "%s: started in %.1f s; warm-up with %,d requests ...", name, startSeconds, warmup);
      Phase warm = runner.saturate("warm-up", pipeline, ledger, warmupRequests, phaseTimeout);

      TaskRequest[] measured = saturationAfter.apply(warm);
      say(progress, "%s: saturation with %,d requests ...", name, measured.length);
      Phase saturation = runner.saturate("saturation", pipeline, ledger, measured, phaseTimeout);
      say(progress, "%s: %,.0f requests/s at saturation%s", name, saturation.throughput(),
          saturation.missing() > 0 ? String.format(Locale.ROOT, " (%,d of %,d ended within %s)", saturation.ended(), saturation.sent(), phaseTimeout) : "");
      double paceAt = latencyRate > 0 ? latencyRate : Math.max(1, Math.floor(saturation.throughput() / 2));
      boolean restarted = false;
      if (warm.missing() > 0 || saturation.missing() > 0) {
        say(progress, "%s: %,d requests are still in flight; starting a fresh instance for the next phase ...", name,
            warm.missing() + saturation.missing());
        outcomes.putAll(ledger.outcomes());
        unexpected += ledger.unexpected();
        duplicates += ledger.duplicates();
        pipeline.close();
        ledger = new CompletionLedger(capacity, expected);
        pipeline = factory.start(name + "-fresh", ledger);
        restarted = true;
        // only to see the fresh instance running end to end; it is warm already (same JVM)
        TaskRequest[] rewarm = Arrays.copyOf(warmupRequests, Math.min(warmupRequests.length, 50));
        runner.saturate("warm-up", pipeline, ledger, rewarm, phaseTimeout);
      }
      Phase latency = null;
      PhaseRunner.SoakOutcome soaked = null;
      if (soak != null) {
        say(progress, "%s: soak at %,.0f requests/s for %s, a report every %s ...", name, paceAt, soak, reportEvery);
        soaked = runner.soak(pipeline, ledger, workload, (long) warmup + requests, paceAt, soak, reportEvery, stats, Duration.ofSeconds(60),
            interval -> {
              PrintWriter target = output.json() ? progress : out;
              target.println(ReportWriter.soakLine(interval));
              target.flush();
            });
        if (soaked.generatorStalls() > 0) {
          say(progress, "%s: the request generator fell behind %,d times (its waits count as latency)", name, soaked.generatorStalls());
        }
      } else {
        int count = (int) Math.max(1, Math.round(paceAt * latencyDuration.toNanos() / 1e9));
        if (latencyRequests == null || latencyRequests.length != count) {
          say(progress, "%s: building %,d requests for the latency phase ...", name, count);
          latencyRequests = workload.build((long) warmup + requests, count);
        }
        say(progress, "%s: latency phase at %,.0f requests/s for %s ...", name, paceAt, latencyDuration);
        latency = runner.paced("latency", pipeline, ledger, latencyOf.apply(latencyRequests), paceAt,
            Duration.ofSeconds(30).plus(latencyDuration));
        say(progress, "%s: p50 %.1f ms, p99 %.1f ms", name, latency.latency().p50Ms(), latency.latency().p99Ms());
      }
      ledger.outcomes().forEach((outcome, count) -> outcomes.merge(outcome, count, Long::sum));
      // what this instance wrote per request it received: the requests of the phases it ran, all awaited
      long received = restarted ? Math.min(warmupRequests.length, 50) : warm.sent() + saturation.sent();
      received += latency != null ? latency.sent() : soaked != null ? soaked.total().sent() : 0;
      Map<String, Double> offsetsPerRequest = BenchKafka.offsetsPerRequest(runConnection, runPrefix + (restarted ? name + "-fresh" : name) + ".",
          received);
      return new PipelineRun(name, hops, startSeconds, warm, saturation, restarted, latency, soaked == null ? List.of() : soaked.intervals(),
          soaked == null ? null : soaked.total(), outcomes, unexpected + ledger.unexpected(), duplicates + ledger.duplicates(),
          pipeline.failure(), offsetsPerRequest);
    } finally {
      pipeline.close();
    }
  }

  /**
   * The baseline's saturation requests: as many as it ends, at its warm-up rate, in as long as the
   * fabric's saturation phase took ({@value #SATURATION_SECONDS_WITHOUT_FABRIC} s with {@code --only baseline}; at least {@code --requests},
   * at most {@value #MAX_BASELINE_REQUESTS}). A fair baseline is several times faster than the fabric, and
   * a phase of one or two seconds measures the JIT compiling, not the pipeline. The extra requests are
   * copies of the saturation requests under new request and flow ids (the baseline keys by flow id and
   * checks no signature, and the records keep their size), numbered from {@link #BASELINE_SEQ_BASE} so they never share a ledger
   * slot with the latency phase's.
   */
  private TaskRequest[] baselineSaturation(Workload workload, Phase warm, PrintWriter progress) {
    double seconds = fabricSaturationSeconds > 0 ? fabricSaturationSeconds : SATURATION_SECONDS_WITHOUT_FABRIC;
    long wanted = (long) Math.ceil(warm.throughput() * seconds);
    int count = (int) Math.min(MAX_BASELINE_REQUESTS, Math.max(requests, wanted));
    if (count == requests) {
      return saturationRequests;
    }
    say(progress, "baseline: %,d saturation requests, about %.0f s at its warm-up rate (%,.0f/s), as long as the fabric's saturation",
        count, count / Math.max(1, warm.throughput()), warm.throughput());
    baselineNextSeq = BASELINE_SEQ_BASE + count;
    return restamped(workload, saturationRequests, count, BASELINE_SEQ_BASE);
  }

  /**
   * The baseline's latency requests: the fabric's, renumbered after its saturation copies when it had
   * any (the ledger tracks a window of sequence numbers below the highest sent).
   */
  private TaskRequest[] baselineLatency(Workload workload, TaskRequest[] latency) {
    return baselineNextSeq > 0 ? restamped(workload, latency, latency.length, baselineNextSeq) : latency;
  }

  /** {@code count} copies of {@code source} (cycling) as requests {@code firstSeq ...}: new request and flow ids, same size. */
  private static TaskRequest[] restamped(Workload workload, TaskRequest[] source, int count, long firstSeq) {
    TaskRequest[] copies = new TaskRequest[count];
    for (int i = 0; i < count; i++) {
      String id = workload.requestId(firstSeq + i);
      copies[i] = TaskRequest.newBuilder(source[i % source.length]).setRequestId(id).setFlowId(id).build();
    }
    return copies;
  }

  /**
   * The relay polls what a Kafka user's consume-transform-produce loop polls: Kafka's default
   * {@code max.poll.records}. It once took the plugin runtime's 50, which left it waiting on commits
   * (under one core busy) and made the fabric look faster than Kafka itself (issue 22).
   */
  private int relayPollRecords() {
    return relayMaxPollRecords != null ? relayMaxPollRecords : ConsumerConfig.DEFAULT_MAX_POLL_RECORDS;
  }

  /**
   * What each pipeline ran with, for the report: the settings both share (every Streams app) and
   * the ones that differ (the plugin runtime against the baseline's relay), so a reader sees the
   * comparison is like for like.
   */
  private Map<String, Object> configurations(KafkaConnection connection, Workload workload) {
    Map<String, Object> streams = new LinkedHashMap<>();
    streams.put("processing_guarantee", guarantee.streamsValue);
    streams.put("commit_interval_ms", commitInterval());
    streams.put("num_stream_threads", streamsConfig.getOrDefault(StreamsConfig.NUM_STREAM_THREADS_CONFIG, "1"));
    streams.put("producer", new TreeMap<>(FabricStreamsConfig.producerTuning()));
    streams.put("overrides", streamsConfig);
    PluginRuntimeConfig runtime = PluginRuntimeConfig.defaults();
    NoOpPlugin plugin = new NoOpPlugin(workload.mix().executableActions());
    Map<String, Object> pluginRuntime = new LinkedHashMap<>();
    pluginRuntime.put("max_poll_records", runtime.maxPollRecords());
    pluginRuntime.put("tasks_per_poll", io.fabric.plugins.runtime.PluginRuntime.tasksPerPoll(connection, runtime, plugin));
    pluginRuntime.put("worst_case_call_ms", runtime.worstCaseCallOf(plugin).toMillis());
    pluginRuntime.put("batch_linger_ms", runtime.batchLinger().toMillis());
    pluginRuntime.put("transactions", "one per poll (checkpoints, statuses, offsets)");
    pluginRuntime.put("producer", new TreeMap<>(FabricStreamsConfig.producerTuning()));
    Map<String, Object> fabricConfig = new LinkedHashMap<>();
    fabricConfig.put("streams_apps", "policy-stream, router-stream");
    fabricConfig.put("streams", streams);
    fabricConfig.put("plugin_runtime", pluginRuntime);
    Map<String, Object> relay = new LinkedHashMap<>();
    relay.put("max_poll_records", relayPollRecords());
    relay.put("max_poll_records_source", relayMaxPollRecords != null ? "--relay-max-poll-records" : "Kafka's default");
    relay.put("transactions", "one per poll (records, offsets)");
    relay.put("isolation_level", "read_committed");
    relay.put("producer", new TreeMap<>(FabricStreamsConfig.producerTuning()));
    Map<String, Object> baselineConfig = new LinkedHashMap<>();
    baselineConfig.put("streams_apps", baselineStages + " identity stages (bytes in, bytes out)");
    baselineConfig.put("streams", streams);
    baselineConfig.put("relay", relay);
    Map<String, Object> both = new LinkedHashMap<>();
    both.put("fabric", fabricConfig);
    both.put("baseline", baselineConfig);
    return both;
  }

  private Object commitInterval() {
    return streamsConfig.containsKey(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)
        ? Integer.valueOf(streamsConfig.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG))
        : commitIntervalMs != null ? commitIntervalMs : FabricStreamsConfig.DEFAULT_COMMIT_INTERVAL_MS;
  }

  private Map<String, Object> streamsOverrides() {
    Map<String, Object> overrides = new LinkedHashMap<>();
    overrides.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee.streamsValue);
    if (commitIntervalMs != null) {
      overrides.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, commitIntervalMs);
    }
    overrides.putAll(streamsConfig);
    return overrides;
  }

  private Map<String, Object> settings() {
    Map<String, Object> settings = new LinkedHashMap<>();
    settings.put("requests", requests);
    settings.put("warmup", warmup);
    settings.put("rate", rate > 0 ? rate : "half of saturation");
    settings.put("latency_duration", latencyDuration.toString());
    settings.put("mix", mix.toString());
    settings.put("requests_signed", !unsigned);
    settings.put("payload_bytes", payloadBytes);
    settings.put("partitions", partitions);
    settings.put("guarantee", guarantee.streamsValue);
    settings.put("commit_interval_ms", commitInterval());
    settings.put("producer", new TreeMap<>(FabricStreamsConfig.producerTuning()));
    settings.put("streams_overrides", streamsConfig);
    settings.put("baseline_streams_stages", baselineStages);
    settings.put("baseline_relay_max_poll_records", relayPollRecords());
    if (soak != null) {
      settings.put("soak", soak.toString());
      settings.put("report_every", reportEvery.toString());
    }
    return settings;
  }

  private void validate() {
    CommandLine cli = spec.commandLine();
    if (requests < 1) {
      throw new CommandLine.ParameterException(cli, "--requests must be at least 1");
    }
    if (warmup < 0) {
      throw new CommandLine.ParameterException(cli, "--warmup must not be negative");
    }
    if (rate < 0) {
      throw new CommandLine.ParameterException(cli, "--rate must not be negative");
    }
    if (partitions < 1) {
      throw new CommandLine.ParameterException(cli, "--partitions must be at least 1");
    }
    if (payloadBytes < Workload.minimumPayloadBytes() || payloadBytes > 60_000) {
      throw new CommandLine.ParameterException(cli, "--payload-bytes must be between " + Workload.minimumPayloadBytes() + " and 60000");
    }
    if (relayMaxPollRecords != null && relayMaxPollRecords < 1) {
      throw new CommandLine.ParameterException(cli, "--relay-max-poll-records must be at least 1");
    }
    if (baselineStages < 1) {
      throw new CommandLine.ParameterException(cli, "--baseline-stages must be at least 1");
    }
    for (Duration d : new Duration[] {latencyDuration, reportEvery, phaseTimeout}) {
      if (d.isNegative() || d.isZero()) {
        throw new CommandLine.ParameterException(cli, "durations must be positive, got " + d);
      }
    }
    if (soak != null && (soak.isNegative() || soak.isZero())) {
      throw new CommandLine.ParameterException(cli, "--soak must be positive");
    }
    if (soak != null && only == Only.baseline) {
      throw new CommandLine.ParameterException(cli, "--soak runs the fabric; it cannot be combined with --only baseline");
    }
  }

  private static void say(PrintWriter progress, String format, Object... args) {
    progress.println(String.format(Locale.ROOT, format, args));
    progress.flush();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
