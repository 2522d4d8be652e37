package io.fabric.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.tracing.FabricTracing;
import io.fabric.observability.FabricMetrics;
import io.fabric.observability.ProcessMetrics;
import io.fabric.schemas.identity.ReadStatement;
import io.fabric.schemas.records.Outcome;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The fabric's HTTP front door (Javalin on Jetty): submit tasks, read and await their status, read
 * flows, list and decide approvals. Who calls comes from the credential only: an API key
 * ({@code Authorization: Bearer KEY}, see {@link ApiKeys}) or, for reads, a submitter's signed
 * credential ({@code Fabric-Ed25519}); the tenants come with it. The gateway signs what it submits
 * as its own submitter and names the caller in {@code gateway.principal}.
 *
 * <p>Every request must name this server in its {@code Host} header (a loopback name or the bound
 * host), so a web page cannot reach it through DNS rebinding. Another tenant's id gets the same 404
 * as an unknown one.
 */
public final class HttpGateway implements AutoCloseable {
  /**
   * Set on a read one instance forwards to another (with its {@link PeerAuthentication#HEADER}), naming the
   * forwarding instance, so the second answers from its own store and never forwards again.
   */
  public static final String FORWARDED_HEADER = "Fabric-Forwarded-By";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One route the gateway serves; {@code /openapi.json} must describe exactly these. */
  public record Route(String method, String path) {}

  /** The routes, in OpenAPI's path syntax. */
  public static final List<Route> ROUTES = List.of(
      new Route("post", "/v1/tasks"),
      new Route("get", "/v1/requests/{id}"),
      new Route("get", "/v1/requests/{id}/wait"),
      new Route("get", "/v1/flows/{id}"),
      new Route("get", "/v1/approvals"),
      new Route("post", "/v1/approvals/{id}"),
      new Route("get", "/v1/flows/{id}/revisions"),
      new Route("get", "/v1/requests/{id}/trace"),
      new Route("get", "/v1/dead-letters"),
      new Route("get", "/v1/dead-letters/{id}"),
      new Route("post", "/v1/dead-letters/{id}/replay"),
      new Route("get", "/v1/audit/verification"),
      new Route("get", "/v1/audit/events"),
      new Route("get", "/v1/evidence/{flowId}"),
      new Route("get", "/v1/evidence/{flowId}/verification"),
      new Route("get", "/health"),
      new Route("get", "/ready"),
      new Route("get", "/metrics"),
      new Route("get", "/openapi.json"));

  /** The health of the process the gateway fronts: up or not, and the detail {@code /health} shows. */
  public record Health(boolean up, Map<String, Object> detail) {}

  /**
   * What the gateway answers from. {@code signedReads}, {@code sender}, {@code audit}, {@code flows},
   * {@code approvals}, {@code deadLetters}, {@code history} and {@code audits} may be null (not offered); {@code statuses}
   * may supply null until the store runs.
   */
  public record Backend(ApiKeys apiKeys, ReadCredentials signedReads, IngressSender sender, SecurityAudit audit,
                        Supplier<StatusReads> statuses, FlowReads flows, ApprovalDesk approvals, Supplier<Health> health,
                        LongSupplier clock, DeadLetterDesk deadLetters, FlowHistory history, AuditDesk audits) {
    public Backend(ApiKeys apiKeys, ReadCredentials signedReads, IngressSender sender, SecurityAudit audit,
                   Supplier<StatusReads> statuses, FlowReads flows, ApprovalDesk approvals, Supplier<Health> health, LongSupplier clock) {
      this(apiKeys, signedReads, sender, audit, statuses, flows, approvals, health, clock, null, null, null);
    }

    boolean open() {
      return apiKeys.isEmpty() && signedReads == null;
    }
  }

  /**
   * What {@code /metrics} and {@code /ready} answer from, and where every answer is counted
   * ({@code fabric_gateway_requests_total{route,method,status}}).
   *
   * @param scrape the process's metrics in Prometheus' text format
   * @param readiness whether the process's apps are caught up, with each app's detail
   */
  public record Probes(FabricMetrics metrics, Supplier<String> scrape, Supplier<Health> readiness) {}

  private static final Set<String> ROUTE_PATHS = Set.copyOf(ROUTES.stream().map(Route::path).toList());

  /** The route label of a request no route matched: the path itself would be unbounded. */
  static final String UNMATCHED_ROUTE = "unmatched";

  private final GatewayConfig config;
  private final HostNames hostNames;
  private final Backend backend;
  private final Probes probes;
  private final Javalin app;
  private final HttpClient forwarder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  /**
   * Reads that scan Kafka (a flow, the approvals list, a decision's look-up) run on Jetty's threads:
   * at most this many at once, past it 429, so no caller turns cheap GETs into a pile of full-topic scans.
   */
  static final int MAX_CONCURRENT_SCANS = 8;
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HttpGateway.class);
  /** Long polls held at once; each costs a look-up per poll interval on one shared thread. Past it, 429. */
  static final int MAX_CONCURRENT_WAITS = 256;
  private final java.util.concurrent.Semaphore scans = new java.util.concurrent.Semaphore(MAX_CONCURRENT_SCANS);
  private final java.util.concurrent.Semaphore waits = new java.util.concurrent.Semaphore(MAX_CONCURRENT_WAITS);
  /**
   * One replay at a time: replays share one transactional id, so a second would fence the first;
   * past it, 429.
   */
  private final java.util.concurrent.Semaphore replays = new java.util.concurrent.Semaphore(1);
  private final ScheduledExecutorService polls = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "fabric-gateway-wait");
    t.setDaemon(true);
    return t;
  });
  private final byte[] openApi;

  private final GatewayTracing tracing;

  private HttpGateway(GatewayConfig config, Backend backend, FabricTracing tracing, Probes probes) {
    this.config = config;
    this.hostNames = new HostNames(config.host(), config.hostAliases());
    this.backend = backend;
    this.tracing = new GatewayTracing(tracing);
    this.probes = probes;
    this.openApi = openApiDocument();
    this.app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      cfg.startup.showOldJavalinVersionWarning = false;
      cfg.jetty.host = config.host();
      cfg.jetty.port = config.port();
      cfg.http.maxRequestSize = config.maxBodyBytes();
      // answers are a few hundred bytes: compressing them costs more than it saves
      cfg.http.compressionStrategy = io.javalin.compression.CompressionStrategy.NONE;
      cfg.http.asyncTimeout = config.maxWait().plusSeconds(30).toMillis();
      // Jetty's job queue is bounded too: past it a connection is refused rather than parked in memory
      // (handlers are asynchronous, so threads free up as soon as a request is handed to Kafka)
      org.eclipse.jetty.util.thread.QueuedThreadPool threads = new org.eclipse.jetty.util.thread.QueuedThreadPool(200, 8, 60_000,
          new org.eclipse.jetty.util.BlockingArrayQueue<>(256, 256, 4096));
      threads.setName("JettyServerThreadPool");
      threads.setDaemon(true);
      cfg.jetty.threadPool = threads;
      // outermost: it sees a request when its headers are in, before any thread blocks reading its body
      RequestGuard guard = new RequestGuard(backend.apiKeys()::knownDigest, new KeyConcurrency(config.maxRequestsPerKey()),
          config.bodyTimeout());
      cfg.jetty.modifyServer(server -> server.setHandler(guard));
      cfg.routes.before(this::requireOwnHost);
      cfg.routes.before(this::refuseOverKeyLimit);
      if (probes != null) {
        cfg.routes.after(this::count);
      }
      cfg.routes.exception(Refusal.class, (e, ctx) -> e.answer(ctx));
      Map<Route, Handler> handlers = new LinkedHashMap<>();
      handlers.put(new Route("post", "/v1/tasks"), this::submit);
      handlers.put(new Route("get", "/v1/requests/{id}"), this::status);
      handlers.put(new Route("get", "/v1/requests/{id}/wait"), this::await);
      handlers.put(new Route("get", "/v1/flows/{id}"), this::flow);
      handlers.put(new Route("get", "/v1/approvals"), this::pendingApprovals);
      handlers.put(new Route("post", "/v1/approvals/{id}"), this::decide);
      handlers.put(new Route("get", "/v1/flows/{id}/revisions"), this::flowRevisions);
      handlers.put(new Route("get", "/v1/requests/{id}/trace"), this::trace);
      handlers.put(new Route("get", "/v1/dead-letters"), this::deadLetters);
      handlers.put(new Route("get", "/v1/dead-letters/{id}"), this::deadLetter);
      handlers.put(new Route("post", "/v1/dead-letters/{id}/replay"), this::replay);
      handlers.put(new Route("get", "/v1/audit/verification"), this::chainVerification);
      handlers.put(new Route("get", "/v1/audit/events"), this::auditEvents);
      handlers.put(new Route("get", "/v1/evidence/{flowId}"), this::evidence);
      handlers.put(new Route("get", "/v1/evidence/{flowId}/verification"), this::evidenceVerification);
      handlers.put(new Route("get", "/health"), this::health);
      handlers.put(new Route("get", "/ready"), this::ready);
      handlers.put(new Route("get", "/metrics"), this::metrics);
      handlers.put(new Route("get", "/openapi.json"), ctx -> ctx.contentType("application/json").result(openApi));
      // ROUTES is what the OpenAPI test checks the document against: it must be exactly what is registered
      if (!handlers.keySet().equals(Set.copyOf(ROUTES))) {
        throw new IllegalStateException("HttpGateway.ROUTES does not list the registered routes: " + handlers.keySet());
      }
      handlers.forEach((route, handler) -> {
        if (route.method().equals("post")) {
          cfg.routes.post(route.path(), handler);
        } else {
          cfg.routes.get(route.path(), handler);
        }
      });
      // the web console: static files only, which call the routes above with the user's API key
      ConsolePages console = new ConsolePages();
      cfg.routes.get(ConsolePages.PAGE, console::page);
      cfg.routes.get(ConsolePages.ASSET, console::asset);
    });
  }

  public static HttpGateway start(GatewayConfig config, Backend backend) {
    return start(config, backend, FabricTracing.noop(), null);
  }

  /** @param tracing the {@code POST /v1/tasks} spans (see {@link GatewayTracing}); {@link FabricTracing#noop()} when tracing is off */
  public static HttpGateway start(GatewayConfig config, Backend backend, FabricTracing tracing) {
    return start(config, backend, tracing, null);
  }

  /** @param probes what {@code /metrics} and {@code /ready} answer from; null: no metrics, ready when healthy and the status store is */
  public static HttpGateway start(GatewayConfig config, Backend backend, Probes probes) {
    return start(config, backend, FabricTracing.noop(), probes);
  }

  public static HttpGateway start(GatewayConfig config, Backend backend, FabricTracing tracing, Probes probes) {
    HttpGateway gateway = new HttpGateway(config, backend, tracing, probes);
    try {
      gateway.app.start();
    } catch (RuntimeException e) {
      gateway.polls.shutdownNow();
      throw new IllegalStateException("cannot serve HTTP on " + config.host() + ":" + config.port() + ": " + e.getMessage()
          + " (pass --http-port to use another port)", e);
    }
    return gateway;
  }

  public int port() {
    return app.port();
  }

  /** {@code host:port} as other instances reach this one (Kafka Streams' {@code application.server}). */
  public String advertised() {
    return config.host() + ":" + port();
  }

  /** The OpenAPI 3.1 document served at {@code /openapi.json}. */
  public static byte[] openApiDocument() {
    try (InputStream in = HttpGateway.class.getResourceAsStream("openapi.json")) {
      if (in == null) {
        throw new IllegalStateException("openapi.json is missing from the gateway's resources");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  // ---- submit

  private void submit(Context ctx) {
    Caller caller = apiKeyCaller(ctx);
    if (backend.sender() == null) {
      throw new Refusal(503, "this process does not accept tasks");
    }
    long declared = ctx.contentLength();
    if (declared > config.maxBodyBytes()) {
      throw new Refusal(413, "body of " + declared + " bytes is over the limit of " + config.maxBodyBytes());
    }
    byte[] body = ctx.bodyAsBytes();
    if (body.length > config.maxBodyBytes()) {
      throw new Refusal(413, "body of " + body.length + " bytes is over the limit of " + config.maxBodyBytes());
    }
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      throw Refusal.fields(List.of(new FieldError("", "not JSON: " + (e instanceof JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()))));
    }
    if (json == null) {
      throw Refusal.fields(List.of(new FieldError("", "the body is empty: send a task object or an array of them")));
    }
    boolean batch = json.isArray();
    List<JsonNode> items = new ArrayList<>();
    if (batch) {
      if (json.size() > config.maxBatch()) {
        throw new Refusal(413, "a batch of " + json.size() + " tasks is over the limit of " + config.maxBatch());
      }
      if (json.isEmpty()) {
        throw Refusal.fields(List.of(new FieldError("", "the batch is empty")));
      }
      json.forEach(items::add);
    } else {
      items.add(json);
    }
    String key = ctx.header("Idempotency-Key");
    long now = backend.clock().getAsLong();
    List<TaskRequest> requests = new ArrayList<>();
    List<FieldError> errors = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      String itemKey = key == null || key.isBlank() ? null : batch ? key + "#" + i : key;
      TaskBodyParser.Parsed parsed = TaskBodyParser.parse(items.get(i), caller, itemKey, now);
      if (parsed.foreignTenant().isPresent()) {
        String tenant = parsed.foreignTenant().get();
        if (backend.audit() != null) {
          backend.audit().refused(caller, tenant, "HTTP gateway: API key of " + caller.name() + " (tenants " + caller.tenants()
              + ") tried to submit for tenant " + tenant, now);
        }
        throw new Refusal(403, "this credential may not act for tenant " + tenant);
      }
      String prefix = batch ? "[" + i + "]" : "";
      parsed.errors().forEach(e -> errors.add(batch ? e.at(prefix) : e));
      parsed.request().ifPresent(requests::add);
    }
    if (!errors.isEmpty()) {
      throw Refusal.fields(errors);
    }
    List<String> bodyTraceparents = items.stream().map(item -> item.path("traceparent").isTextual() ? item.get("traceparent").asText() : null).toList();
    GatewayTracing.Submit traced = tracing.submit(ctx::header, requests, bodyTraceparents, batch);
    ctx.future(() -> backend.sender().send(traced.requests()).thenAccept(result -> traced.end(answer(ctx, result, batch))));
  }

  /** Answers the caller; returns the HTTP status. */
  private int answer(Context ctx, IngressSender.Result result, boolean batch) {
    if (result instanceof IngressSender.Result.Accepted accepted) {
      List<String> ids = accepted.requests().stream().map(TaskRequest::getRequestId).toList();
      Map<String, Object> body = new LinkedHashMap<>();
      if (batch) {
        body.put("request_ids", ids);
      } else {
        body.put("request_id", ids.get(0));
        body.put("status_url", "/v1/requests/" + ids.get(0));
      }
      ctx.header("Location", "/v1/requests/" + ids.get(0));
      json(ctx, 202, body);
      return 202;
    } else if (result instanceof IngressSender.Result.Busy) {
      ctx.header("Retry-After", Long.toString(config.retryAfter().toSeconds()));
      json(ctx, 429, Map.of("error", "the gateway has " + config.maxInFlight() + " records waiting for Kafka; retry later"));
      return 429;
    } else if (result instanceof IngressSender.Result.Unavailable down) {
      ctx.header("Retry-After", Long.toString(config.retryAfter().toSeconds()));
      json(ctx, 503, Map.of("error", down.detail(), "acknowledged_request_ids",
          down.acknowledged().stream().map(TaskRequest::getRequestId).toList()));
      return 503;
    } else if (result instanceof IngressSender.Result.Refused refused) {
      json(ctx, 500, Map.of("error", "Kafka refused the request: " + refused.detail(),
          "acknowledged_request_ids", refused.acknowledged().stream().map(TaskRequest::getRequestId).toList()));
      return 500;
    }
    throw new IllegalStateException("unknown result " + result);
  }

  // ---- reads

  private void status(Context ctx) {
    Caller caller = statusReader(ctx);
    String id = ctx.pathParam("id");
    StatusReads.Location location = statuses().locate(id);
    if (location instanceof StatusReads.Location.Here here) {
      Optional<RequestStatus> visible = here.status().filter(s -> caller.mayActFor(s.getTenantId()));
      visible.ifPresentOrElse(s -> json(ctx, 200, RequestStatusJson.of(s)), () -> notFound(ctx, id));
    } else if (location instanceof StatusReads.Location.Elsewhere elsewhere) {
      forward(ctx, elsewhere.hostPort(), caller);
    } else if (location instanceof StatusReads.Location.NotReady notReady) {
      notReady(notReady.why());
    }
  }

  private void await(Context ctx) {
    Caller caller = statusReader(ctx);
    String id = ctx.pathParam("id");
    Duration timeout;
    try {
      String asked = ctx.queryParam("timeout");
      timeout = asked == null ? Duration.ofSeconds(30) : Duration.parse(asked);
    } catch (DateTimeParseException e) {
      throw Refusal.fields(List.of(new FieldError("timeout", "an ISO-8601 duration such as PT30S")));
    }
    if (timeout.isNegative()) {
      throw Refusal.fields(List.of(new FieldError("timeout", "must not be negative")));
    }
    Duration wait = timeout.compareTo(config.maxWait()) > 0 ? config.maxWait() : timeout;
    StatusReads.Location first = statuses().locate(id);
    if (first instanceof StatusReads.Location.Elsewhere elsewhere) {
      forward(ctx, elsewhere.hostPort(), caller);
      return;
    }
    if (!waits.tryAcquire()) {
      throw busy(MAX_CONCURRENT_WAITS + " long polls are waiting already");
    }
    long deadline = System.nanoTime() + wait.toNanos();
    CompletableFuture<Optional<RequestStatus>> done = new CompletableFuture<>();
    done.whenComplete((s, e) -> waits.release());
    AtomicReference<ScheduledFuture<?>> poll = new AtomicReference<>();
    Runnable check = () -> {
      StatusReads.Location now = statuses().locate(id);
      Optional<RequestStatus> seen = now instanceof StatusReads.Location.Here here
          ? here.status().filter(s -> caller.mayActFor(s.getTenantId())) : Optional.empty();
      if (seen.map(HttpGateway::terminal).orElse(false) || System.nanoTime() >= deadline) {
        done.complete(seen);
      }
    };
    poll.set(polls.scheduleWithFixedDelay(() -> {
      try {
        check.run();
      } catch (RuntimeException e) {
        done.completeExceptionally(e);
      }
    }, 0, config.pollInterval().toMillis(), TimeUnit.MILLISECONDS));
    ctx.future(() -> done.whenComplete((s, e) -> poll.get().cancel(false)).thenAccept(seen -> seen.ifPresentOrElse(s -> {
      Map<String, Object> body = new LinkedHashMap<>(RequestStatusJson.of(s));
      body.put("terminal", terminal(s));
      json(ctx, 200, body);
    }, () -> notFound(ctx, id))));
  }

  private static boolean terminal(RequestStatus status) {
    try {
      return Outcome.valueOf(status.getOutcome()).terminal();
    } catch (IllegalArgumentException unknownOutcome) {
      return false;
    }
  }

  private void flow(Context ctx) {
    Caller caller = reader(ctx);
    String id = ctx.pathParam("id");
    if (backend.flows() == null) {
      throw new Refusal(503, "this process serves no flows");
    }
    scanning(() -> backend.flows().find(id)).filter(f -> caller.mayActFor(f.tenantId()))
        .ifPresentOrElse(f -> json(ctx, 200, f.view()), () -> json(ctx, 404, Map.of("error", "no flow " + id)));
  }

  private void pendingApprovals(Context ctx) {
    Caller caller = reader(ctx);
    ApprovalDesk desk = desk();
    json(ctx, 200, scanning(desk::pending).stream().filter(p -> caller.mayActFor(p.tenantId())).map(ApprovalDesk.Pending::view).toList());
  }

  private void decide(Context ctx) {
    Caller caller = backend.open() ? Caller.open() : apiKeyCaller(ctx);
    ApprovalDesk desk = desk();
    String id = ctx.pathParam("id");
    String token = tokenOf(ctx.body());
    ApprovalDesk.Pending pending;
    try {
      pending = scanning(() -> desk.find(id));
    } catch (NoSuchElementException | IllegalArgumentException e) {
      throw new Refusal(404, "no request " + id + " waits for approval");
    } catch (IllegalStateException e) {
      // ambiguous pending entries: their tenant is unknown, so the caller learns no more than for an
      // unknown id (the message names flows); the operator finds it in the log
      log.warn("POST /v1/approvals/{} refused: {}", id, e.getMessage());
      throw new Refusal(404, "no request " + id + " waits for approval");
    }
    if (!caller.mayActFor(pending.tenantId())) {
      throw new Refusal(404, "no request " + id + " waits for approval");
    }
    Optional<String> problem = desk.publishIfValid(id, token, backend.clock().getAsLong());
    if (problem.isPresent()) {
      throw Refusal.fields(List.of(new FieldError("token", problem.get())));
    }
    json(ctx, 202, Map.of("request_id", id, "published", true));
  }

  /** The token is the body: the compact string itself, or {@code {"token": "..."}}. */
  private static String tokenOf(String body) {
    String text = body == null ? "" : body.strip();
    if (text.startsWith("{")) {
      try {
        JsonNode node = JSON.readTree(text).get("token");
        text = node == null || !node.isTextual() ? "" : node.asText();
      } catch (JsonProcessingException e) {
        text = "";
      }
    }
    if (text.isEmpty()) {
      throw Refusal.fields(List.of(new FieldError("token", "required: the body is the signed token (fabric approve --token-only), "
          + "or {\"token\": \"...\"}")));
    }
    return text;
  }

  private void flowRevisions(Context ctx) {
    Caller caller = reader(ctx);
    String id = ctx.pathParam("id");
    scanning(() -> history().revisions(id)).filter(f -> caller.mayActFor(f.tenantId()))
        .ifPresentOrElse(f -> json(ctx, 200, f.view()), () -> json(ctx, 404, Map.of("error", "no flow " + id)));
  }

  private void trace(Context ctx) {
    Caller caller = reader(ctx);
    String id = ctx.pathParam("id");
    scanning(() -> history().trace(id)).filter(t -> caller.mayActFor(t.tenantId()))
        .ifPresentOrElse(t -> json(ctx, 200, t.view()), () -> notFound(ctx, id));
  }

  private FlowHistory history() {
    if (backend.history() == null) {
      throw new Refusal(503, "this process serves no flow history");
    }
    return backend.history();
  }

  /** Dead letters as {@code fabric dlq list} filters them; only the caller's tenants' (none without a tenant unless it may read every tenant). */
  private void deadLetters(Context ctx) {
    Caller caller = reader(ctx);
    DeadLetterDesk desk = deadLetterDesk();
    List<DeadLetterDesk.Item> items;
    try {
      items = scanning(() -> desk.list(ctx.queryParamMap()));
    } catch (IllegalArgumentException e) {
      throw Refusal.fields(List.of(new FieldError("query", e.getMessage())));
    }
    json(ctx, 200, items.stream().filter(i -> caller.sees(i.tenantId())).map(DeadLetterDesk.Item::view).toList());
  }

  private void deadLetter(Context ctx) {
    Caller caller = reader(ctx);
    String id = ctx.pathParam("id");
    scanning(() -> deadLetterDesk().find(id)).filter(i -> caller.sees(i.tenantId()))
        .ifPresentOrElse(i -> json(ctx, 200, i.view()), () -> json(ctx, 404, Map.of("error", "no dead letter " + id)));
  }

  /**
   * Replays one dead letter, a dry run unless {@code ?execute=true}: a write, so like a decision it
   * takes an API key (a signed read credential is not enough), and another tenant's dead letter is
   * answered like an unknown one.
   */
  private void replay(Context ctx) {
    refuseCrossSite(ctx);
    Caller caller = backend.open() ? Caller.open() : apiKeyCaller(ctx);
    DeadLetterDesk desk = deadLetterDesk();
    String id = ctx.pathParam("id");
    String execute = ctx.queryParam("execute");
    if (execute != null && !execute.equals("true") && !execute.equals("false")) {
      throw Refusal.fields(List.of(new FieldError("execute", "true or false")));
    }
    boolean really = "true".equals(execute);
    Optional<DeadLetterDesk.Item> found = scanning(() -> desk.find(id)).filter(i -> caller.sees(i.tenantId()));
    if (found.isEmpty()) {
      throw new Refusal(404, "no dead letter " + id);
    }
    if (!replays.tryAcquire()) {
      throw busy("a replay is running already");
    }
    Map<String, Object> report;
    try {
      report = desk.replay(id, caller::sees, really, "gateway:" + caller.name());
    } finally {
      replays.release();
    }
    // a replay that failed part-way (Kafka refused it, e.g. an ACL) is an error; the report says what was committed before it
    json(ctx, !really ? 200 : report.get("error") == null ? 202 : 500, report);
  }

  private void chainVerification(Context ctx) {
    reader(ctx);
    json(ctx, 200, scanning(() -> auditDesk().chainVerification()));
  }

  private void auditEvents(Context ctx) {
    Caller caller = reader(ctx);
    List<AuditDesk.Event> events;
    try {
      events = scanning(() -> auditDesk().events(ctx.queryParamMap(), caller::sees));
    } catch (IllegalArgumentException e) {
      throw Refusal.fields(List.of(new FieldError("query", e.getMessage())));
    }
    json(ctx, 200, events.stream().filter(e -> caller.sees(e.tenantId())).map(AuditDesk.Event::view).toList());
  }

  /** The flow's evidence pack as a file; only to a caller who holds every tenant its records name (a flow id is not unique across tenants). */
  private void evidence(Context ctx) {
    String flowId = ctx.pathParam("flowId");
    AuditDesk.Pack pack = pack(ctx, flowId);
    ctx.header("Content-Disposition", "attachment; filename=\"evidence-" + flowId.replaceAll("[^A-Za-z0-9._-]", "_") + ".json\"");
    ctx.status(200).contentType("application/json").result(pack.text().getBytes(StandardCharsets.UTF_8));
  }

  private void evidenceVerification(Context ctx) {
    AuditDesk.Pack pack = pack(ctx, ctx.pathParam("flowId"));
    json(ctx, 200, scanning(() -> auditDesk().verify(pack.text())));
  }

  private AuditDesk.Pack pack(Context ctx, String flowId) {
    Caller caller = reader(ctx);
    return scanning(() -> auditDesk().evidence(flowId))
        .filter(p -> !p.tenants().isEmpty() && p.tenants().stream().allMatch(caller::mayActFor))
        .orElseThrow(() -> new Refusal(404, "nothing recorded for flow " + flowId));
  }

  private AuditDesk auditDesk() {
    if (backend.audits() == null) {
      throw new Refusal(503, "this process serves no audit chain");
    }
    return backend.audits();
  }

  /**
   * A page of another site can send a simple POST to a loopback gateway (no preflight), and a gateway run
   * open needs no credential: a browser names such a request {@code Sec-Fetch-Site: cross-site}, so a write
   * it marks as coming from another site is refused. Clients that are not browsers send no such header.
   */
  private static void refuseCrossSite(Context ctx) {
    String site = ctx.header("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      throw new Refusal(403, "a write from another site (Sec-Fetch-Site: " + site + ") is refused");
    }
  }

  private DeadLetterDesk deadLetterDesk() {
    if (backend.deadLetters() == null) {
      throw new Refusal(503, "this process serves no dead letters");
    }
    return backend.deadLetters();
  }

  private ApprovalDesk desk() {
    if (backend.approvals() == null) {
      throw new Refusal(503, "this process serves no approvals");
    }
    return backend.approvals();
  }

  private void health(Context ctx) {
    Health health = backend.health().get();
    json(ctx, health.up() ? 200 : 503, health.detail());
  }

  private void ready(Context ctx) {
    if (probes != null) {
      Health readiness = probes.readiness().get();
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("ready", readiness.up());
      body.putAll(readiness.detail());
      json(ctx, readiness.up() ? 200 : 503, body);
      return;
    }
    StatusReads reads = backend.statuses().get();
    boolean ready = backend.health().get().up() && (reads == null || reads.ready());
    json(ctx, ready ? 200 : 503, Map.of("ready", ready));
  }

  private void metrics(Context ctx) {
    if (probes == null) {
      throw new Refusal(503, "this process exports no metrics");
    }
    ctx.status(200).contentType(ProcessMetrics.CONTENT_TYPE).result(probes.scrape().get());
  }

  /** Counts every answer by its route's template (never the path: ids would make the label unbounded) and status. */
  private void count(Context ctx) {
    String route = UNMATCHED_ROUTE;
    try {
      io.javalin.router.Endpoint endpoint = ctx.endpoints().lastHttpEndpoint();
      if (endpoint != null && (ROUTE_PATHS.contains(endpoint.path) || ConsolePages.PATHS.contains(endpoint.path))) {
        route = endpoint.path;
      }
    } catch (RuntimeException noEndpoint) {
      // no route matched (404 before any handler): counted as unmatched
    }
    probes.metrics().gatewayRequest(route, ctx.method().name(), ctx.status().getCode());
  }

  private StatusReads statuses() {
    StatusReads reads = backend.statuses().get();
    if (reads == null) {
      throw new Refusal(503, "this process runs no status store (fabric run --apps ... status)");
    }
    return reads;
  }

  /** Runs a read that scans Kafka within {@link #MAX_CONCURRENT_SCANS}, or refuses it with 429. */
  private <T> T scanning(Supplier<T> read) {
    if (!scans.tryAcquire()) {
      throw busy(MAX_CONCURRENT_SCANS + " reads that scan Kafka are running already");
    }
    try {
      return read.get();
    } finally {
      scans.release();
    }
  }

  private Refusal busy(String why) {
    Refusal refusal = new Refusal(429, why + "; retry later");
    refusal.headers.put("Retry-After", Long.toString(config.retryAfter().toSeconds()));
    return refusal;
  }

  private void notFound(Context ctx, String id) {
    json(ctx, 404, Map.of("error", "no status for request " + id));
  }

  private void notReady(String why) {
    Refusal refusal = new Refusal(503, why);
    refusal.headers.put("Retry-After", Long.toString(config.retryAfter().toSeconds()));
    throw refusal;
  }

  /**
   * Answers a read with the reply of the instance that holds the key; a forwarded read is never forwarded
   * again. The host comes from Kafka Streams' metadata, which any member of the status group can steer, so
   * the caller's credential never goes with it: the request carries this instance's {@link PeerAuthentication}
   * with the caller's name and tenants, and only an answer signed with the same secret is passed on.
   */
  private void forward(Context ctx, String hostPort, Caller caller) {
    if (ctx.header(FORWARDED_HEADER) != null || ctx.header(PeerAuthentication.HEADER) != null) {
      notReady("the status store is moving between instances");
    }
    PeerAuthentication peers = config.peers();
    if (peers == null) {
      throw new Refusal(503, "another gateway instance (" + hostPort + ") holds this request, and this one forwards no read without "
          + "a peer secret shared by every instance (fabric run --gateway-peer-secret FILE)");
    }
    String target = pathAndQuery(ctx);
    String credential = peers.sign("GET", target, caller, backend.clock().getAsLong());
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + hostPort + target))
        .timeout(config.maxWait().plusSeconds(10)).header(FORWARDED_HEADER, advertised())
        .header(PeerAuthentication.HEADER, credential).GET().build();
    ctx.future(() -> forwarder.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).handle((response, error) -> {
      if (error != null) {
        ctx.header("Retry-After", Long.toString(config.retryAfter().toSeconds()));
        json(ctx, 503, Map.of("error", "the instance holding this request (" + hostPort + ") did not answer: " + error.getMessage()));
      } else if (!peers.answerIsSigned(credential, response.statusCode(), response.body(),
          response.headers().firstValue(PeerAuthentication.ANSWER_HEADER).orElse(null))) {
        log.warn("a read forwarded to {} got an answer no gateway instance signed (status {}); not passed on", hostPort,
            response.statusCode());
        json(ctx, 502, Map.of("error", "the instance named for this request (" + hostPort + ") did not answer as a fabric gateway "
            + "(is --gateway-peer-secret the same on every instance?)"));
      } else if (response.statusCode() == 200 && !visibleTo(caller, response.body())) {
        // the peer scoped it already; checked again so one misconfigured instance cannot widen a caller's tenants
        notFound(ctx, ctx.pathParam("id"));
      } else {
        response.headers().firstValue("Retry-After").ifPresent(v -> ctx.header("Retry-After", v));
        ctx.status(response.statusCode()).contentType("application/json").result(response.body());
      }
      return null;
    }));
  }

  private static boolean visibleTo(Caller caller, byte[] statusJson) {
    try {
      JsonNode tenant = JSON.readTree(statusJson).get("tenant_id");
      return tenant != null && tenant.isTextual() && caller.mayActFor(tenant.asText());
    } catch (IOException e) {
      return false;
    }
  }

  private static String pathAndQuery(Context ctx) {
    return ctx.path() + (ctx.queryString() == null ? "" : "?" + ctx.queryString());
  }

  /**
   * The caller of a status read: a read another instance forwarded is for the caller named in its verified
   * {@link PeerAuthentication} header (and its answer is signed back); any other is {@link #reader}'s.
   */
  private Caller statusReader(Context ctx) {
    String peer = ctx.header(PeerAuthentication.HEADER);
    if (peer == null) {
      return reader(ctx);
    }
    PeerAuthentication peers = config.peers();
    if (peers == null) {
      throw new Refusal(401, "this instance accepts no forwarded read: it has no peer secret (fabric run --gateway-peer-secret FILE)");
    }
    PeerAuthentication.Verdict verdict = peers.verify(peer, ctx.method().name(), pathAndQuery(ctx), backend.clock().getAsLong());
    if (verdict.caller().isEmpty()) {
      log.warn("refused a forwarded read of {} from {}: {}", ctx.path(), ctx.ip(), verdict.problem());
      throw new Refusal(401, verdict.problem());
    }
    ctx.attribute(PEER_ANSWER, (PeerAnswer) (status, body) -> peers.signAnswer(peer, status, body));
    return verdict.caller().get();
  }

  /** Signs an answer to a forwarded read; set on the request by {@link #statusReader}. */
  @FunctionalInterface
  private interface PeerAnswer {
    String sign(int status, byte[] body);
  }

  private static final String PEER_ANSWER = "fabric.peer-answer";

  // ---- credentials

  /** The caller of a write: an API key is the only credential that may submit. */
  private Caller apiKeyCaller(Context ctx) {
    String authorization = ctx.header("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return backend.apiKeys().find(authorization.substring(7)).orElseThrow(() -> unauthorized("unknown API key"));
    }
    throw unauthorized(backend.apiKeys().isEmpty()
        ? "this gateway has no API keys configured (fabric run --api-keys FILE), so it accepts no tasks"
        : "missing credential: send Authorization: Bearer API_KEY");
  }

  /** The caller of a read: an API key, a submitter's signed credential, or anyone when the gateway runs open. */
  private Caller reader(Context ctx) {
    String authorization = ctx.header("Authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return apiKeyCaller(ctx);
    }
    if (backend.signedReads() != null && authorization != null) {
      ReadCredentials.Verdict verdict = backend.signedReads().check(authorization, "GET", ctx.path(), backend.clock().getAsLong());
      return verdict.caller().orElseThrow(() -> unauthorized(verdict.problem()));
    }
    if (backend.open()) {
      return Caller.open();
    }
    throw unauthorized("missing credential: send Authorization: Bearer API_KEY"
        + (backend.signedReads() == null ? "" : " or " + ReadStatement.SCHEME + " NAME:MILLIS:SIGNATURE"));
  }

  private Refusal unauthorized(String problem) {
    Refusal refusal = new Refusal(401, problem);
    refusal.headers.put("WWW-Authenticate", backend.signedReads() == null ? "Bearer" : "Bearer, " + ReadStatement.SCHEME);
    return refusal;
  }

  /** Refuses (429) a request the {@link RequestGuard} found over its API key's limit, before any handler reads its body. */
  private void refuseOverKeyLimit(Context ctx) {
    if (ctx.attribute(RequestGuard.OVER_LIMIT) instanceof Integer limit) {
      throw busy("this API key has " + limit + " requests in flight already");
    }
  }

  /** Refuses (421) a request whose Host header names neither a loopback name, the bound host nor an alias. */
  private void requireOwnHost(Context ctx) {
    String header = ctx.header("Host");
    if (!hostNames.accepts(header)) {
      throw new Refusal(421, "this server answers only to " + hostNames.describe() + " or a loopback name, not '" + header
          + "' (add it with --http-host-alias)");
    }
  }

  private static void json(Context ctx, int status, Object body) {
    try {
      byte[] bytes = JSON.writeValueAsBytes(body);
      if (ctx.attribute(PEER_ANSWER) instanceof PeerAnswer peer) {
        ctx.header(PeerAuthentication.ANSWER_HEADER, peer.sign(status, bytes));
      }
      ctx.status(status).contentType("application/json").result(bytes);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  @Override
  public void close() {
    polls.shutdownNow();
    app.stop();
  }

  /** An answer other than success, thrown from a handler and written by one exception handler. */
  static final class Refusal extends RuntimeException {
    private final int status;
    private final Map<String, Object> body = new LinkedHashMap<>();
    private final Map<String, String> headers = new LinkedHashMap<>();

    Refusal(int status, String error) {
      super(error, null, false, false);
      this.status = status;
      body.put("error", error);
    }

    static Refusal fields(List<FieldError> errors) {
      Refusal refusal = new Refusal(400, "invalid request: " + errors.size() + " field error(s)");
      refusal.body.put("fields", errors.stream().map(e -> Map.of("field", e.field(), "problem", e.problem())).toList());
      return refusal;
    }

    void answer(Context ctx) {
      headers.forEach(ctx::header);
      json(ctx, status, body);
    }
  }
}
