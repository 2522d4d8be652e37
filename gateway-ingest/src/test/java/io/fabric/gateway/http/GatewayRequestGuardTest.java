package io.fabric.gateway.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The guard in front of the gateway's handlers, with small limits: requests in flight per API key, and the
 * time a body may take to arrive. A decision ({@code POST /v1/approvals/{id}}) reads its body on a server
 * thread, which is what a trickling client holds.
 */
class GatewayRequestGuardTest {
  private static final String ACME_KEY = ApiKeys.newKey();
  private static final String GLOBEX_KEY = ApiKeys.newKey();
  private static final ApiKeys KEYS = ApiKeys.of(Map.of(
      ApiKeys.sha256Hex(ACME_KEY), new Caller("acme-billing", Set.of("acme")),
      ApiKeys.sha256Hex(GLOBEX_KEY), new Caller("globex-billing", Set.of("globex"))));
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private HttpGateway gateway;
  private final List<Socket> sockets = new ArrayList<>();
  private final ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();

  private void start(int perKey, Duration bodyTimeout) {
    start(perKey, bodyTimeout, new java.util.concurrent.CountDownLatch(0));
  }

  /** @param lookUp released when a decision's look-up may answer (it waits at most 3 s) */
  private void start(int perKey, Duration bodyTimeout, java.util.concurrent.CountDownLatch lookUp) {
    ApprovalDesk desk = new ApprovalDesk() {
      @Override
      public List<Pending> pending() {
        return List.of();
      }

      @Override
      public Pending find(String requestId) {
        try {
          lookUp.await(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        throw new java.util.NoSuchElementException("no request " + requestId);
      }

      @Override
      public Optional<String> publishIfValid(String requestId, String encodedToken, long nowMillis) {
        return Optional.empty();
      }
    };
    gateway = HttpGateway.start(GatewayConfig.defaults("127.0.0.1", 0).withRequestGuard(perKey, bodyTimeout),
        new HttpGateway.Backend(KEYS, null, null, null, () -> null, null, desk, () -> new HttpGateway.Health(true, Map.of("status", "UP")),
            System::currentTimeMillis));
  }

  @AfterEach
  void stop() throws IOException {
    trickle.shutdownNow();
    for (Socket socket : sockets) {
      socket.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  /** Opens a decision whose body promises 1000 bytes and sends one. */
  private Socket slowDecision(String key) throws IOException {
    Socket socket = new Socket("127.0.0.1", gateway.port());
    sockets.add(socket);
    socket.getOutputStream().write(("POST /v1/approvals/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + key
        + "\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  private HttpResponse<String> decide(String key) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/approvals/r1"))
        .header("Authorization", "Bearer " + key).timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.ofString("tok")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** Whether the server closed the connection (end of stream or reset) within {@code within}. */
  private static boolean closedByServer(Socket socket, Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    try {
      InputStream in = socket.getInputStream();
      while (in.read() != -1) {
        // an answer before the close is fine; the close is what frees the thread
      }
      return true;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }

  @Test
  void aKeyPastItsLimitGets429WhileOtherKeysAndTheProbesAnswer() throws Exception {
    start(2, Duration.ofSeconds(20));
    slowDecision(ACME_KEY);
    slowDecision(ACME_KEY);

    HttpResponse<String> third = await().atMost(Duration.ofSeconds(5)).until(() -> decide(ACME_KEY), r -> r.statusCode() == 429);
    HttpResponse<String> otherKey = decide(GLOBEX_KEY);
    HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/health"))
        .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());

    assertEquals("1", third.headers().firstValue("Retry-After").orElse(""));
    assertTrue(third.body().contains("2 requests in flight"), third.body());
    assertEquals(404, otherKey.statusCode(), "another key is not refused: " + otherKey.body());
    assertEquals(200, health.statusCode());
  }

  @Test
  void aBodyTrickledPastTheTimeoutIsCutOffAndItsSlotFreed() throws Exception {
    start(1, Duration.ofSeconds(1));
    Socket slow = slowDecision(ACME_KEY);
    // a byte every 200 ms: never idle, never done
    trickle.scheduleAtFixedRate(() -> {
      try {
        slow.getOutputStream().write(' ');
        slow.getOutputStream().flush();
      } catch (IOException closed) {
        // the server cut it off
      }
    }, 200, 200, TimeUnit.MILLISECONDS);
    await().atMost(Duration.ofSeconds(5)).until(() -> decide(ACME_KEY).statusCode() == 429);

    assertTrue(closedByServer(slow, Duration.ofSeconds(5)), "a body still arriving after the 1 s body timeout must be cut off");
    HttpResponse<String> after = await().atMost(Duration.ofSeconds(5)).until(() -> decide(ACME_KEY), r -> r.statusCode() != 429);
    assertEquals(404, after.statusCode(), "the key's slot is free again: " + after.body());
  }

  @Test
  void aBodyThatArrivedIsNotCutOffWhileItsRequestIsHandled() throws Exception {
    java.util.concurrent.CountDownLatch lookUp = new java.util.concurrent.CountDownLatch(1);
    start(4, Duration.ofSeconds(1), lookUp);
    java.util.concurrent.CompletableFuture<HttpResponse<String>> decision = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try {
        return decide(ACME_KEY);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });

    // the handler holds the request past the body timeout, with its body read in full
    await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> !decision.isDone());
    lookUp.countDown();

    assertEquals(404, decision.join().statusCode(), "a request whose body arrived is answered however long it is handled");
  }

  /** Opens a decision with the given Authorization header lines, whose body promises 1000 bytes and sends one. */
  private Socket slowDecisionWith(String... authorizationLines) throws IOException {
    Socket socket = new Socket("127.0.0.1", gateway.port());
    sockets.add(socket);
    StringBuilder head = new StringBuilder("POST /v1/approvals/r1 HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (String line : authorizationLines) {
      head.append(line).append("\r\n");
    }
    socket.getOutputStream().write((head + "Content-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  /** The status line of the answer on {@code socket}, read within 5 s. */
  private static String statusLine(Socket socket) throws IOException {
    socket.setSoTimeout(5_000);
    return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
  }

  /**
   * Red team (red4): spellings of one key that the gateway accepts (scheme case, spaces around the key)
   * all count against that key, and a second Authorization header cannot carry a key past the cap: the
   * guard and the gateway read the same (first) header, so a request is either counted or refused 401.
   */
  @Test
  void spellingsOfOneKeyShareItsCapAndASecondAuthorizationHeaderIsNotAWayAround() throws Exception {
    start(2, Duration.ofSeconds(20));
    slowDecisionWith("authorization: bearer " + ACME_KEY);
    slowDecisionWith("AUTHORIZATION: BEARER   " + ACME_KEY + "  ");

    HttpResponse<String> third = await().atMost(Duration.ofSeconds(5)).until(() -> decide(ACME_KEY), r -> r.statusCode() == 429);
    Socket doubled = slowDecisionWith("Authorization: Bearer not-a-key", "Authorization: Bearer " + ACME_KEY);

    assertTrue(third.body().contains("2 requests in flight"), third.body());
    String answer = statusLine(doubled);
    assertTrue(answer != null && (answer.contains(" 401 ") || answer.contains(" 429 ")), "neither counted nor served as acme: " + answer);
  }
}
