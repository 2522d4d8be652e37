package io.fabric.cli.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric.cli.ClusterOrEmbeddedOptions;
import io.fabric.cli.OutputOptions;
import io.fabric.deploy.EmbeddedKafkaBroker;
import io.fabric.deploy.TopicsApplier;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.http.ApiKeys;
import io.fabric.gateway.http.Caller;
import io.fabric.gateway.http.GatewayConfig;
import io.fabric.gateway.http.HttpGateway;
import io.fabric.gateway.http.IngressSender;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code fabric bench-gateway}: N clients, each one keep-alive HTTP/1.1 connection on loopback,
 * send {@code POST /v1/tasks} back to back to a gateway in this process; a request ends at its 202,
 * which the gateway sends only after Kafka acknowledged (acks=all). Measures the front door alone
 * (parse, API key, Ed25519 signature, produce and acknowledgement), to set beside the pipeline's
 * numbers of {@code fabric bench}.
 */
@Command(name = "bench-gateway", mixinStandardHelpOptions = true,
    description = "Benchmark the HTTP gateway: concurrent keep-alive clients POST /v1/tasks on loopback; requests/s, p50/p99, errors.")
public final class BenchGatewayCommand implements Callable<Integer> {
  @CommandLine.Mixin
  ClusterOrEmbeddedOptions cluster;

  @Option(names = "--clients", defaultValue = "32", description = "Concurrent clients, one connection each (default ${DEFAULT-VALUE}).")
  int clients;

  @Option(names = "--duration", defaultValue = "PT20S", description = "Measured time (default ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = "--warmup", defaultValue = "PT10S", description = "Unmeasured time before it, for the JIT (default ${DEFAULT-VALUE}).")
  Duration warmup;

  @Option(names = "--batch", defaultValue = "1", description = "Tasks per POST (default ${DEFAULT-VALUE}).")
  int batch;

  @Option(names = "--payload-bytes", defaultValue = "512", description = "Size of each task's text payload (default ${DEFAULT-VALUE}).")
  int payloadBytes;

  @Option(names = "--partitions", defaultValue = "3", description = "Partitions of the ingress topic (default ${DEFAULT-VALUE}).")
  int partitions;

  @CommandLine.Mixin
  OutputOptions output;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** What one run measured. */
  record Result(int clients, int batch, long requests, double requestsPerSecond, double tasksPerSecond, double p50Ms, double p99Ms,
                double maxMs, double cpuMsPerTask, double gatewayCpuMsPerTask, double clientCpuMsPerTask, Map<String, Long> errors) {}

  /** CPU time of the gateway's threads (Jetty, its producer's I/O thread) and of the clients' threads, in nanoseconds. */
  private static long[] threadCpu() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long[] ids = threads.getAllThreadIds();
    java.lang.management.ThreadInfo[] infos = threads.getThreadInfo(ids);
    long gateway = 0;
    long clients = 0;
    for (int i = 0; i < ids.length; i++) {
      long cpu = threads.getThreadCpuTime(ids[i]);
      if (infos[i] == null || cpu < 0) {
        continue;
      }
      String name = infos[i].getThreadName();
      if (name.startsWith("JettyServerThreadPool") || name.endsWith("| fabric-gateway")) {
        gateway += cpu;
      } else if (name.startsWith("bench-gateway-client") || name.startsWith("HttpClient-")) {
        clients += cpu;
      }
    }
    return new long[] {gateway, clients};
  }

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("fabric-bench-gateway-");
    EmbeddedKafkaBroker broker = cluster.embedded() ? EmbeddedKafkaBroker.start(dir.resolve("broker"), 0) : null;
    try {
      KafkaConnection kafka = broker != null ? KafkaConnection.of(broker.bootstrapServers()) : cluster.connection();
      TopicCatalog catalog = TopicCatalog.create("bench-gw-" + UUID.randomUUID().toString().substring(0, 8) + ".", partitions, List.of());
      TopicsApplier.apply(kafka, catalog);
      String key = ApiKeys.newKey();
      ApiKeys keys = ApiKeys.of(Map.of(ApiKeys.sha256Hex(key), new Caller("bench", Set.of("bench"))));
      FabricClient client = new FabricClient(kafka, catalog, FabricStreamsConfig.producerTuning(), Clock.systemUTC())
          .signedBy(new RequestSigner("gateway", ApproverKeys.newKeyPair().getPrivate()));
      // every client uses the one bench key: its in-flight cap must not be what is measured
      GatewayConfig config = GatewayConfig.defaults("127.0.0.1", 0).withLimits(Math.max(1 << 20, batch * (payloadBytes + 512)), batch)
          .withRequestGuard(Math.max(GatewayConfig.DEFAULT_MAX_REQUESTS_PER_KEY, clients), GatewayConfig.DEFAULT_BODY_TIMEOUT);
      try (IngressSender sender = new IngressSender(client, config.maxInFlight());
           HttpGateway gateway = HttpGateway.start(config, new HttpGateway.Backend(keys, null, sender, null, () -> null, null, null,
               () -> new HttpGateway.Health(true, Map.of()), System::currentTimeMillis))) {
        spec.commandLine().getErr().printf("gateway on %s; %d clients, warm-up %s, measuring %s%n", gateway.advertised(), clients, warmup, duration);
        Result result = drive(URI.create("http://" + gateway.advertised() + "/v1/tasks"), key);
        print(result);
      }
      return 0;
    } finally {
      if (broker != null) {
        broker.close();
      }
      deleteQuietly(dir);
    }
  }

  private Result drive(URI uri, String key) throws InterruptedException {
    String task = "{\"action\":\"summarize\",\"payload\":{\"text\":\"" + "lorem ipsum ".repeat(Math.max(1, payloadBytes / 12)) + "\"}}";
    String body = batch == 1 ? task : "[" + String.join(",", java.util.Collections.nCopies(batch, task)) + "]";
    Recorder latencies = new Recorder(3);
    LongAdder measured = new LongAdder();
    Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    long measureFrom = start + warmup.toNanos();
    long end = measureFrom + duration.toNanos();
    List<Thread> threads = new ArrayList<>();
    long[] cpuAtStart = {-1};
    long[][] threadsAtStart = {new long[2]};
    Thread cpuMark = new Thread(() -> {
      while (System.nanoTime() < measureFrom) {
        java.util.concurrent.locks.LockSupport.parkNanos(measureFrom - System.nanoTime());
      }
      cpuAtStart[0] = CpuProfile.processCpu();
      threadsAtStart[0] = threadCpu();
    }, "bench-gateway-cpu-mark");
    cpuMark.start();
    for (int c = 0; c < clients; c++) {
      Thread t = new Thread(() -> {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + key)
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        long now;
        while ((now = System.nanoTime()) < end) {
          String outcome;
          try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            outcome = response.statusCode() == 202 ? null : Integer.toString(response.statusCode());
          } catch (IOException e) {
            outcome = e.getClass().getSimpleName();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
          long done = System.nanoTime();
          if (now >= measureFrom && done <= end) {
            if (outcome == null) {
              latencies.recordValue((done - now) / 1_000);
              measured.increment();
            } else {
              errors.computeIfAbsent(outcome, k -> new LongAdder()).increment();
            }
          }
        }
      }, "bench-gateway-client-" + c);
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    cpuMark.join();
    long cpuNanos = CpuProfile.processCpu() - cpuAtStart[0];
    long[] threadsAtEnd = threadCpu();
    double tasks = Math.max(1, measured.sum() * batch);
    Histogram histogram = latencies.getIntervalHistogram();
    double seconds = duration.toNanos() / 1e9;
    Map<String, Long> errorCounts = new TreeMap<>();
    errors.forEach((k, v) -> errorCounts.put(k, v.sum()));
    return new Result(clients, batch, measured.sum(), measured.sum() / seconds, measured.sum() * batch / seconds,
        histogram.getValueAtPercentile(50) / 1000.0, histogram.getValueAtPercentile(99) / 1000.0, histogram.getMaxValue() / 1000.0,
        cpuNanos / 1e6 / tasks, (threadsAtEnd[0] - threadsAtStart[0][0]) / 1e6 / tasks,
        (threadsAtEnd[1] - threadsAtStart[0][1]) / 1e6 / tasks, errorCounts);
  }

  private void print(Result r) throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("clients", r.clients());
      json.put("batch", r.batch());
      json.put("requests", r.requests());
      json.put("requests_per_second", Math.round(r.requestsPerSecond()));
      json.put("tasks_per_second", Math.round(r.tasksPerSecond()));
      json.put("p50_ms", r.p50Ms());
      json.put("p99_ms", r.p99Ms());
      json.put("max_ms", r.maxMs());
      json.put("cpu_ms_per_task", Math.round(r.cpuMsPerTask() * 1000) / 1000.0);
      json.put("gateway_cpu_ms_per_task", Math.round(r.gatewayCpuMsPerTask() * 1000) / 1000.0);
      json.put("client_cpu_ms_per_task", Math.round(r.clientCpuMsPerTask() * 1000) / 1000.0);
      json.put("errors", r.errors());
      out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
      return;
    }
    out.printf("gateway POST /v1/tasks: %d clients, %d task(s) per request%n", r.clients(), r.batch());
    out.printf("  %,.0f requests/s (%,.0f tasks/s), p50 %.2f ms, p99 %.2f ms, max %.1f ms, %d requests measured%n",
        r.requestsPerSecond(), r.tasksPerSecond(), r.p50Ms(), r.p99Ms(), r.maxMs(), r.requests());
    out.printf("  CPU per task: %.3f ms in all (broker, gateway, clients, GC/JIT): gateway threads %.3f ms, clients %.3f ms%n",
        r.cpuMsPerTask(), r.gatewayCpuMsPerTask(), r.clientCpuMsPerTask());
    out.printf("  errors: %s%n", r.errors().isEmpty() ? "none" : r.errors());
  }

  private static void deleteQuietly(Path dir) {
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp dir left behind is harmless
    }
  }
}
