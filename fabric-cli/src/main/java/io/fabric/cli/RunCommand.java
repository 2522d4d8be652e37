package io.fabric.cli;

import io.fabric.deploy.EmbeddedKafkaBroker;
import io.fabric.deploy.TopicsApplier;
import io.fabric.observability.ProcessMetrics;
import io.fabric.sandbox.VendorSandbox;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.tracing.FabricTracing;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code fabric run}: the policy, router and plugin apps until interrupted, on the embedded broker
 * unless {@code --bootstrap-server} names a cluster.
 */
@Command(name = "run", mixinStandardHelpOptions = true, description = "Run the fabric's apps until interrupted (Ctrl-C).")
final class RunCommand implements Callable<Integer> {
  @Mixin
  ConnectionOptions kafka;

  @Mixin
  AppOptions appOptions;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${user.home}/.fabric",
      description = "Embedded broker data, Streams state and the plugin runtimes' flow state snapshots (default ${DEFAULT-VALUE}); kept between runs.")
  Path dataDir;

  @Option(names = "--sandbox", description = "Start the local vendor simulator on loopback and point the vendor plugins at it.")
  boolean sandbox;

  @Mixin
  GatewayOptions gateway;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    appOptions.load();
    boolean embedded = !spec.commandLine().getParseResult().hasMatchedOption("--bootstrap-server") && System.getenv(KafkaConnection.BOOTSTRAP_ENV) == null;
    EmbeddedKafkaBroker broker = null;
    String bootstrap = kafka.bootstrapServer;
    if (embedded) {
      int port = Integer.parseInt(bootstrap.substring(bootstrap.lastIndexOf(':') + 1));
      broker = EmbeddedKafkaBroker.start(dataDir.resolve("broker"), port);
      bootstrap = broker.bootstrapServers();
      out.println("embedded Kafka broker on " + bootstrap + " (data in " + dataDir.resolve("broker") + ")");
    }
    CountDownLatch stopped = new CountDownLatch(1);
    VendorSandbox vendors = null;
    try {
      if (sandbox) {
        vendors = VendorSandbox.start();
        vendors.applyToSystemProperties();
        out.println("vendor sandbox on " + vendors.baseUrl() + " (SMTP on port " + vendors.smtpPort() + "); vendor plugins and the agents' model providers point at it");
      }
      TopicsApplier.apply(kafka.connection(bootstrap), kafka.catalog());
      FabricTracing tracing = appOptions.tracing();
      if (tracing.enabled()) {
        out.println("tracing: spans exported by OTLP as configured by OTEL_* / --config otel.*");
      }
      java.util.concurrent.atomic.AtomicReference<FabricRuntime> started = new java.util.concurrent.atomic.AtomicReference<>();
      ProcessMetrics metrics = new ProcessMetrics();
      GatewayOptions.Running http;
      try {
        http = gateway.start(kafka.connection(bootstrap), kafka.catalog(), appOptions, started::get, tracing, metrics);
      } catch (RuntimeException e) {
        metrics.close();
        tracing.close();
        throw e;
      }
      FabricRuntime runtime;
      try {
        runtime = FabricRuntime.start(appOptions.settings(kafka, bootstrap, dataDir.resolve("state")), http.http().advertised(),
            tracing, metrics.fabric());
      } catch (RuntimeException e) {
        http.close();
        metrics.close();
        tracing.close();
        throw e;
      }
      started.set(runtime);
      out.println("fabric running: " + String.join(", ", runtime.appNames()) + "; http://" + http.http().advertised()
          + "/health (also /ready, /metrics); Ctrl-C to stop");
      out.println("console: http://" + http.http().advertised() + "/console (overview, approvals, requests, flows, dead letters, audit; with an API key)");
      if (gateway.apiKeysFile == null) {
        out.println("gateway: no API keys (--api-keys), so POST /v1/tasks accepts nothing");
      }
      if (!runtime.requiresSignedRequests()) {
        out.println("requests: OPEN — no submitter registry (--submitters), so any producer that can write the ingress topic may submit for any tenant");
      }
      out.flush();
      EmbeddedKafkaBroker startedBroker = broker;
      VendorSandbox startedSandbox = vendors;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        http.close();
        runtime.close();
        tracing.close();
        metrics.close();
        if (startedSandbox != null) {
          startedSandbox.close();
        }
        if (startedBroker != null) {
          startedBroker.close();
        }
        stopped.countDown();
      }, "fabric-shutdown"));
      // a plugin runtime that failed for good ends the process non-zero, so a supervisor restarts it
      while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
        java.util.Optional<String> fatal = runtime.fatalFailure();
        if (fatal.isPresent()) {
          http.close();
          runtime.close();
          tracing.close();
          metrics.close();
          throw new IllegalStateException(fatal.get());
        }
      }
      return 0;
    } catch (RuntimeException e) {
      if (vendors != null) {
        vendors.close();
      }
      if (broker != null) {
        broker.close();
      }
      throw e;
    }
  }
}
