package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Red team, HTTP gateway: ways a caller (or whoever can steer the status store's metadata) makes the
 * gateway hand out a credential or hold unbounded work. No broker is needed: the status reads are a
 * stand-in, and "another instance" is a plain JDK HTTP server. Each test states the promise and fails
 * while it is broken.
 */
class RedTeamGatewayHttpTest {
  private static final String ACME_KEY = ApiKeys.newKey();
  private static final byte[] PEER_SECRET = "a-shared-secret-of-at-least-32-bytes!".getBytes(StandardCharsets.UTF_8);
  private static final ApiKeys KEYS = ApiKeys.of(Map.of(ApiKeys.sha256Hex(ACME_KEY), new Caller("acme-billing", java.util.Set.of("acme"))));

  private final AtomicReference<StatusReads.Location> answer = new AtomicReference<>(new StatusReads.Location.Here(Optional.empty()));
  private HttpGateway gateway;
  private HttpServer other;
  private IngressSender sender;

  private HttpGateway start(GatewayConfig config) {
    return start(config, null, null);
  }

  private HttpGateway start(GatewayConfig config, FlowReads flows, ApprovalDesk approvals) {
    return start(config, flows, approvals, null);
  }

  private HttpGateway start(GatewayConfig config, FlowReads flows, ApprovalDesk approvals, IngressSender sender) {
    this.sender = sender;
    StatusReads reads = new StatusReads() {
      @Override
      public Location locate(String requestId) {
        return answer.get();
      }

      @Override
      public boolean ready() {
        return true;
      }
    };
    gateway = HttpGateway.start(config, new HttpGateway.Backend(KEYS, null, sender, null, () -> reads, flows, approvals,
        () -> new HttpGateway.Health(true, Map.of("status", "UP")), System::currentTimeMillis));
    return gateway;
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (other != null) {
      other.stop(0);
    }
    if (sender != null) {
      sender.close();
    }
  }

  /**
   * A read for an id "held elsewhere" is forwarded to whatever host:port Kafka Streams' metadata names
   * (any member of the {@code <prefix>gateway-status} group advertises its own {@code application.server},
   * unauthenticated), and the caller's long-lived {@code Authorization: Bearer} API key goes with it in
   * clear text. A process that joins that group (it needs only read access to fabric.requests.status and
   * the group) collects every tenant's API keys and can answer any read with a forged status.
   */
  @Test
  void aForwardedReadDoesNotHandTheCallersApiKeyToTheOtherInstance() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    other.createContext("/", exchange -> {
      seen.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
      byte[] forged = "{\"request_id\":\"r1\",\"tenant_id\":\"acme\",\"outcome\":\"ROUTED\"}".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, forged.length);
      exchange.getResponseBody().write(forged);
      exchange.close();
    });
    other.start();
    // instances that forward reads share a peer secret; the impostor does not know it
    start(GatewayConfig.defaults("127.0.0.1", 0).withPeers(PeerAuthentication.of(PEER_SECRET)));
    answer.set(new StatusReads.Location.Elsewhere("127.0.0.1:" + other.getAddress().getPort()));

    HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + gateway.port() + "/v1/requests/r1")).header("Authorization", "Bearer " + ACME_KEY).GET().build(),
        HttpResponse.BodyHandlers.ofString());

    assertEquals(1, seen.size(), "the read was forwarded once: " + response.body());
    assertTrue(seen.stream().noneMatch(h -> h.contains(ACME_KEY)),
        "the instance a read is forwarded to must not receive the caller's API key, got: " + seen);
    assertEquals(502, response.statusCode(), "an answer no fabric gateway signed is not passed on as the status: " + response.body());
  }

  /**
   * Every long poll adds a task to one shared scheduler thread that looks the id up every 50 ms for up
   * to 60 s, and nothing bounds how many a caller may hold: N concurrent polls cost N x 20 store
   * lookups a second on that one thread, plus N open connections, for as long as the caller likes.
   * The gateway should refuse (429) polls past a limit, per key or in all, as it does for submissions.
   */
  @Test
  void concurrentLongPollsAreBounded() {
    start(GatewayConfig.defaults("127.0.0.1", 0));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    int polls = 400;
    List<CompletableFuture<Integer>> all = IntStream.range(0, polls)
        .mapToObj(i -> http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                + "/v1/requests/unknown-" + i + "/wait?timeout=PT2S")).header("Authorization", "Bearer " + ACME_KEY)
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.discarding())
            .thenApply(HttpResponse::statusCode))
        .toList();
    List<Integer> codes = all.stream().map(CompletableFuture::join).toList();

    assertNotEquals(0L, codes.stream().filter(c -> c == 429).count(),
        "one API key held " + polls + " long polls at once and none was refused: " + codes.stream().distinct().toList());
  }

  /**
   * {@code GET /v1/flows/{id}} and {@code GET /v1/approvals} are answered by scanning Kafka on the
   * Jetty thread that serves them: fabric run's FlowReads opens a new consumer and reads the flow's
   * whole fabric.flows.state partition from the beginning, and its ApprovalDesk reads ALL of
   * fabric.requests.status and fabric.tasks.approval-pending (every tenant, every request still
   * retained) into lists, per call ({@code ApprovalCenter#pending}, {@code #find} on every
   * {@code POST /v1/approvals/{id}} too). Nothing bounds how many run at once, so one API key (any
   * tenant) or any submitter's signed read turns cheap GETs into full-topic scans on up to 200 threads
   * and as many copies of the status topic in memory. Here a slow lookup stands in for the scan.
   */
  @Test
  void expensiveReadsAreBoundedLikeSubmissions() {
    java.util.concurrent.atomic.AtomicInteger running = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    FlowReads slowScan = flowId -> {
      most.accumulateAndGet(running.incrementAndGet(), Math::max);
      try {
        release.await(3, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        running.decrementAndGet();
      }
      return Optional.empty();
    };
    start(GatewayConfig.defaults("127.0.0.1", 0), slowScan, null);
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    int reads = 100;
    List<CompletableFuture<Integer>> all = IntStream.range(0, reads)
        .mapToObj(i -> http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/flows/f-" + i))
                .header("Authorization", "Bearer " + ACME_KEY).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.discarding())
            .thenApply(HttpResponse::statusCode))
        .toList();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> running.get() >= 32 || all.stream().filter(f -> f.isDone()).count() >= 68);
    release.countDown();
    List<Integer> codes = all.stream().map(CompletableFuture::join).toList();

    assertTrue(most.get() <= 16, "one API key ran " + most.get() + " Kafka scans at once (answers " + codes.stream().distinct().toList()
        + "); reads that scan Kafka must be bounded and refused (429) past the bound");
  }

  /**
   * A submission's body is read with a blocking read on a Jetty thread (Context#bodyAsBytes) after
   * the API key is checked. The pool has 200 threads and Jetty waits 30 s of silence before it gives up
   * on a connection, so one key holder who opens a few hundred POSTs, declares a body and trickles it
   * (a byte every 20 s is enough) holds every thread (Jetty's selector then runs jobs itself, so it
   * takes about 600 such connections before the selectors are stuck too): other tenants' submissions, reads and even
   * /health wait behind them. The gateway should read bodies without a thread (async) or time a body
   * out as a whole, and bound connections per key.
   */
  @Test
  void slowBodiesFromOneKeyDoNotStallTheGateway() throws Exception {
    // a producer that never connects: the body is read (and stalls) before anything is sent
    start(GatewayConfig.defaults("127.0.0.1", 0), null, null, new IngressSender(new io.fabric.gateway.FabricClient(
        io.fabric.schemas.config.KafkaConnection.of("127.0.0.1:1"), io.fabric.schemas.topics.TopicCatalog.defaults(), Map.of(),
        java.time.Clock.systemUTC()), 10));
    List<java.net.Socket> slow = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 600; i++) {
        java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.port());
        socket.getOutputStream().write(("POST /v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + ACME_KEY
            + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        slow.add(socket);
      }
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
      CompletableFuture<Integer> health = http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/health"))
          .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);

      assertEquals(200, health.handle((code, error) -> error == null ? code : -1).join(),
          "/health must answer within 3 s while one key trickles " + slow.size() + " bodies");
    } finally {
      for (java.net.Socket socket : slow) {
        socket.close();
      }
    }
  }

  /**
   * {@code POST /v1/approvals/{id}} looks the id up before it checks the caller's tenant, and answers
   * the desk's "ambiguous" refusal (IllegalStateException) with 409 and its message, which names the
   * other tenant's flows. A key for acme thus learns that a globex request id exists, waits for
   * approval, and which flow ids it was seen under; an unknown id (or one acme may not see) must get
   * the same 404. (The lookup itself is also slower for a pending id: a second full-topic scan.)
   */
  @Test
  void anotherTenantsPendingIdLooksUnknownToADecision() throws Exception {
    ApprovalDesk desk = new ApprovalDesk() {
      @Override
      public List<Pending> pending() {
        return List.of();
      }

      @Override
      public Pending find(String requestId) {
        if (requestId.equals("globex-7")) {
          throw new IllegalStateException("request id globex-7 is ambiguous: fabric.tasks.approval-pending holds 2 different pending "
              + "entries for it (flows globex-payroll-2026, globex-merger-talks); refusing to show or sign any of them");
        }
        throw new java.util.NoSuchElementException("no request " + requestId + " is known");
      }

      @Override
      public Optional<String> publishIfValid(String requestId, String encodedToken, long nowMillis) {
        return Optional.of("not expected");
      }
    };
    start(GatewayConfig.defaults("127.0.0.1", 0), null, desk);
    HttpClient http = HttpClient.newHttpClient();
    java.util.function.Function<String, HttpResponse<String>> decide = id -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/approvals/" + id))
            .header("Authorization", "Bearer " + ACME_KEY).POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"x\"}")).build(),
            HttpResponse.BodyHandlers.ofString());
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };

    HttpResponse<String> unknown = decide.apply("nobody-1");
    HttpResponse<String> foreign = decide.apply("globex-7");

    assertEquals(404, unknown.statusCode());
    assertEquals(unknown.statusCode(), foreign.statusCode(), "another tenant's id must look unknown, got: " + foreign.body());
    assertTrue(!foreign.body().contains("globex-payroll"), foreign.body());
  }
}
