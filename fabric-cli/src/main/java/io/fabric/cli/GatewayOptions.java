package io.fabric.cli;

import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.http.ApiKeys;
import io.fabric.gateway.http.Caller;
import io.fabric.gateway.http.GatewayConfig;
import io.fabric.gateway.http.HttpGateway;
import io.fabric.gateway.http.IngressSender;
import io.fabric.gateway.http.PeerAuthentication;
import io.fabric.gateway.http.ReadCredentials;
import io.fabric.gateway.http.SecurityAudit;
import io.fabric.gateway.http.StatusReads;
import io.fabric.observability.ProcessMetrics;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.center.ApprovalCenter;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.LatestByKeyReader;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.tracing.FabricTracing;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine.Option;

/** The HTTP gateway's options of {@code fabric run}, and the wiring of the gateway to this process's apps. */
final class GatewayOptions {
  @Option(names = "--http-port", defaultValue = "8080",
      description = "Port of the HTTP gateway (POST /v1/tasks, GET /v1/requests/{id}, ...) and of the probes /health, /ready and "
          + "/metrics (Prometheus; no credential); default ${DEFAULT-VALUE}; 0 picks one.")
  int httpPort;

  @Option(names = "--http-host", defaultValue = "127.0.0.1",
      description = "Address the gateway binds and advertises to the other instances (default ${DEFAULT-VALUE}).")
  String httpHost;

  @Option(names = "--http-host-alias", paramLabel = "NAME",
      description = "A further name the gateway answers to in the Host header, besides loopback and --http-host (a Service's DNS "
          + "name, a compose service, a load balancer); repeatable. Any other name gets 421, against DNS rebinding.")
  List<String> hostAliases = new java.util.ArrayList<>();

  @Option(names = "--api-keys", paramLabel = "FILE",
      description = "API keys the gateway accepts (SHA-256 digests bound to a name and tenants; fabric keys generate --api-key). "
          + "Without it the gateway accepts no tasks.")
  Path apiKeysFile;

  @Option(names = "--gateway-key", paramLabel = "FILE",
      description = "The gateway's submitter private key (fabric keys generate --submitter NAME): it signs the tasks it submits "
          + "for its callers. Needed with --submitters.")
  Path gatewayKey;

  @Option(names = "--gateway-max-in-flight", defaultValue = "10000", paramLabel = "N",
      description = "Most tasks waiting for Kafka's acknowledgement; past it POST /v1/tasks answers 429 (default ${DEFAULT-VALUE}).")
  int maxInFlight;

  @Option(names = "--gateway-max-batch", defaultValue = "100", paramLabel = "N",
      description = "Most tasks in one POST /v1/tasks (default ${DEFAULT-VALUE}).")
  int maxBatch;

  @Option(names = "--gateway-peer-secret", paramLabel = "FILE",
      description = "A secret every gateway instance shares (one word, at least 32 bytes: openssl rand -base64 48). A status read "
          + "another instance holds is forwarded signed with it (HMAC), never with the caller's credential, and only a signed answer is "
          + "passed on. Without it no read is forwarded or accepted from another instance (503): enough for one instance.")
  Path peerSecretFile;

  @Option(names = "--gateway-max-requests-per-key", defaultValue = "" + GatewayConfig.DEFAULT_MAX_REQUESTS_PER_KEY, paramLabel = "N",
      description = "Most requests one API key may have in flight at once (long polls included); past it 429 (default ${DEFAULT-VALUE}).")
  // initialised too: tests and other commands build these options without picocli
  int maxRequestsPerKey = GatewayConfig.DEFAULT_MAX_REQUESTS_PER_KEY;

  @Option(names = "--gateway-body-timeout", defaultValue = "PT20S", paramLabel = "DURATION",
      description = "Longest a request body may take to arrive in full; past it the connection is closed (default ${DEFAULT-VALUE}).")
  java.time.Duration bodyTimeout = GatewayConfig.DEFAULT_BODY_TIMEOUT;

  /**
   * A caller waits for Kafka's acknowledgement, so the gateway's producer gives up within seconds, not
   * Kafka's default two minutes: while the broker is unreachable a POST gets 503 in about 15 s.
   */
  static final Map<String, Object> PRODUCER_TIMEOUTS = Map.of(
      org.apache.kafka.clients.producer.ProducerConfig.MAX_BLOCK_MS_CONFIG, 5_000,
      org.apache.kafka.clients.producer.ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
      org.apache.kafka.clients.producer.ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);

  /** The gateway and what it owns; closing stops serving first, then its producers. */
  record Running(HttpGateway http, List<AutoCloseable> owned) implements AutoCloseable {
    @Override
    public void close() {
      http.close();
      for (AutoCloseable c : owned) {
        try {
          c.close();
        } catch (Exception e) {
          System.err.println("warning: closing " + c + " failed: " + e.getMessage());
        }
      }
    }
  }

  /**
   * Starts the gateway before the apps (the status store advertises its address); {@code runtime}
   * supplies null until they run, and the gateway answers 503 for reads meanwhile.
   */
  Running start(KafkaConnection connection, TopicCatalog catalog, AppOptions apps, Supplier<FabricRuntime> runtime) {
    return start(connection, catalog, apps, runtime, FabricTracing.noop(), null);
  }

  /**
   * @param tracing the {@code POST /v1/tasks} spans; {@link FabricTracing#noop()} when tracing is off
   * @param metrics the process's metrics: {@code /metrics} serves them, the gateway counts its answers and binds its
   *     producer to them, and {@code /ready} asks the apps whether they are caught up; null serves no metrics
   */
  Running start(KafkaConnection connection, TopicCatalog catalog, AppOptions apps, Supplier<FabricRuntime> runtime,
                FabricTracing tracing, ProcessMetrics metrics) {
    ApiKeys keys = apiKeysFile == null ? ApiKeys.none() : ApiKeys.load(apiKeysFile);
    SubmitterVerifier submitters = apps.submitters();
    if (!keys.isEmpty() && submitters != null && gatewayKey == null) {
      throw new IllegalArgumentException("--api-keys with --submitters needs --gateway-key: the gate accepts only signed tasks");
    }
    if (!keys.isEmpty() && submitters != null) {
      requireGatewayScope(registry(ApproverRegistry.Role.SUBMITTERS, apps.submittersFile), ApproverKeys.approverOf(gatewayKey));
    }
    List<AutoCloseable> owned = new ArrayList<>();
    IngressSender sender = null;
    SecurityAudit audit = null;
    if (!keys.isEmpty()) {
      FabricClient client = new FabricClient(connection, catalog, PRODUCER_TIMEOUTS, Clock.systemUTC());
      if (gatewayKey != null) {
        client.signedBy(signer(gatewayKey));
      }
      sender = new IngressSender(client, maxInFlight);
      audit = new SecurityAudit(connection, catalog, Map.of());
      if (metrics != null) {
        owned.add(client.bindMetrics(metrics.fabric()));
      }
      owned.add(sender);
      owned.add(audit);
    }
    ReadCredentials signedReads = submitters == null ? null : signedReads(submitters);
    Supplier<StatusReads> statuses = () -> {
      FabricRuntime r = runtime.get();
      return r == null ? null : r.statusView();
    };
    boolean signed = submitters != null;
    Supplier<HttpGateway.Health> health = () -> {
      FabricRuntime r = runtime.get();
      Map<String, Object> detail = new LinkedHashMap<>();
      boolean up = r != null && r.healthy();
      detail.put("status", up ? "UP" : "DOWN");
      detail.put("apps", r == null ? List.of() : r.appNames());
      detail.put("states", r == null ? Map.of() : r.appStates());
      detail.put("requests", signed ? "signed" : "open");
      return new HttpGateway.Health(up, detail);
    };
    HttpGateway.Probes probes = metrics == null ? null : new HttpGateway.Probes(metrics.fabric(), metrics::scrape, () -> {
      FabricRuntime r = runtime.get();
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("apps", r == null ? Map.of() : r.readiness());
      if (r == null) {
        detail.put("detail", "the apps are starting");
      }
      return new HttpGateway.Health(r != null && r.ready(), detail);
    });
    RequestSigner replaySigner = gatewayKey == null ? null : signer(gatewayKey);
    GatewayConfig config = GatewayConfig.defaults(httpHost, httpPort).withMaxInFlight(maxInFlight).withHostAliases(java.util.Set.copyOf(hostAliases))
        .withLimits(GatewayConfig.defaults(httpHost, httpPort).maxBodyBytes(), maxBatch)
        .withPeers(peerSecretFile == null ? null : PeerAuthentication.load(peerSecretFile))
        .withRequestGuard(maxRequestsPerKey, bodyTimeout);
    HttpGateway http;
    try {
      http = HttpGateway.start(config, new HttpGateway.Backend(keys, signedReads, sender, audit, statuses,
          flowId -> LatestByKeyReader.latest(connection, catalog.flowState, flowId)
              .map(c -> new io.fabric.gateway.http.FlowReads.Flow(c.getTenantId(), FlowsCommand.Show.toJson(c))),
          new GatewayApprovalDesk(new ApprovalCenter(connection, catalog), apps.verifier()), health, System::currentTimeMillis,
          new io.fabric.cli.dlq.GatewayDeadLetters(connection, catalog, replaySigner), new GatewayFlowHistory(connection, catalog),
          new GatewayAudit(connection, catalog, registry(ApproverRegistry.Role.APPROVERS, apps.approversFile),
              registry(ApproverRegistry.Role.SUBMITTERS, apps.submittersFile))),
          tracing, probes);
    } catch (RuntimeException e) {
      owned.forEach(GatewayOptions::closeQuietly);
      throw e;
    }
    return new Running(http, owned);
  }

  /** A submitter's signed read credential, checked against the gate's submitter registry; its tenants are the submitter's. */
  static ReadCredentials signedReads(SubmitterVerifier submitters) {
    return (authorization, method, path, now) -> {
      SubmitterVerifier.Reader reader = submitters.reader(authorization, method, path, now);
      return new ReadCredentials.Verdict(reader.submitter().map(s -> new Caller(s.name(), s.tenants())), reader.problem());
    };
  }

  /**
   * The gate refuses {@code gateway.principal} from a submitter without {@link ReservedNames#GATEWAY_SCOPE}, so a
   * gateway whose entry lacks it would answer 202 to tasks that are all blocked: refuse to start instead.
   */
  static void requireGatewayScope(ApproverRegistry submitters, String gatewayName) {
    if (submitters == null) {
      return;
    }
    java.util.Optional<io.fabric.policy.approvals.Approver> entry = submitters.find(gatewayName);
    if (entry.isEmpty()) {
      throw new IllegalArgumentException("--gateway-key signs as submitter " + gatewayName + ", which --submitters does not list");
    }
    if (!entry.get().actions().contains(ReservedNames.GATEWAY_SCOPE)) {
      throw new IllegalArgumentException("submitter " + gatewayName + " (--gateway-key) must list " + ReservedNames.GATEWAY_SCOPE
          + " in its actions in --submitters: the gate accepts " + ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE + " only from a gateway");
    }
  }

  private static RequestSigner signer(Path keyFile) {
    try {
      return new RequestSigner(ApproverKeys.approverOf(keyFile), ApproverKeys.readPrivateKey(keyFile));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the gateway key " + keyFile + ": " + e.getMessage(), e);
    }
  }

  private static ApproverRegistry registry(ApproverRegistry.Role role, Path file) {
    return file == null ? null : ApproverRegistry.load(role, file);
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // already failing; the first error is the one to report
    }
  }
}
