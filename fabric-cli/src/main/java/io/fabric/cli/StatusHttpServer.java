package io.fabric.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.fabric.contracts.RequestStatus;
import io.fabric.policy.identity.SubmitterVerifier;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * {@code GET /health} and {@code GET /v1/requests/{id}} for the processes of {@code fabric run}.
 *
 * <p>Every request must name this server in its {@code Host} header (a loopback name or the bound
 * host), so a web page cannot reach it through DNS rebinding. With a submitter registry, reading a
 * request needs a credential ({@code Authorization: Fabric-Ed25519 NAME:MILLIS:SIGNATURE}, see
 * {@code RequestSigner#authorization}) and answers only for the submitter's tenants: another
 * tenant's request id gets the same 404 as an unknown one.
 */
final class StatusHttpServer implements AutoCloseable {
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "[::1]");
  private static final String REQUESTS = "/v1/requests/";

  /** What the server answers from; {@code statuses} is null when this process runs no status view. */
  record Backend(BooleanSupplier healthy, Supplier<List<String>> apps, Supplier<Map<String, String>> states,
                 Function<String, Optional<RequestStatus>> statuses, SubmitterVerifier submitters, LongSupplier clock) {
    static Backend of(FabricRuntime runtime) {
      return new Backend(runtime::healthy, runtime::appNames, runtime::appStates,
          runtime.statusView() == null ? null : id -> runtime.statusView().find(id), runtime.submitters(), System::currentTimeMillis);
    }
  }

  private final HttpServer server;

  private StatusHttpServer(HttpServer server) {
    this.server = server;
  }

  static StatusHttpServer start(String host, int port, FabricRuntime runtime) {
    return start(host, port, Backend.of(runtime));
  }

  static StatusHttpServer start(String host, int port, Backend backend) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
      server.createContext("/health", exchange -> {
        if (hostAllowed(exchange, host)) {
          boolean up = backend.healthy().getAsBoolean();
          respond(exchange, up ? 200 : 503, Map.of("status", up ? "UP" : "DOWN", "apps", backend.apps().get(),
              "states", backend.states().get(), "requests", backend.submitters() != null ? "signed" : "open"));
        }
      });
      server.createContext(REQUESTS, exchange -> {
        if (hostAllowed(exchange, host)) {
          request(exchange, backend);
        }
      });
      server.setExecutor(Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "fabric-http");
        t.setDaemon(true);
        return t;
      }));
      server.start();
      return new StatusHttpServer(server);
    } catch (IOException e) {
      throw new IllegalStateException("cannot serve HTTP on " + host + ":" + port + ": " + e.getMessage()
          + " (pass --http-port to use another port)", e);
    }
  }

  private static void request(HttpExchange exchange, Backend backend) {
    String path = exchange.getRequestURI().getPath();
    String id = path.substring(REQUESTS.length());
    if (!"GET".equals(exchange.getRequestMethod()) || id.isBlank() || backend.statuses() == null) {
      respond(exchange, id.isBlank() ? 400 : 405, Map.of("error", "use GET /v1/requests/{request_id}"));
      return;
    }
    SubmitterVerifier.Reader reader = null;
    if (backend.submitters() != null) {
      reader = backend.submitters().reader(exchange.getRequestHeaders().getFirst("Authorization"), "GET", path,
          backend.clock().getAsLong());
      if (reader.submitter().isEmpty()) {
        exchange.getResponseHeaders().add("WWW-Authenticate", io.fabric.schemas.identity.ReadStatement.SCHEME);
        respond(exchange, 401, Map.of("error", reader.problem()));
        return;
      }
    }
    SubmitterVerifier.Reader allowed = reader;
    Optional<RequestStatus> status = backend.statuses().apply(id).filter(s -> allowed == null || allowed.mayRead(s.getTenantId()));
    status.ifPresentOrElse(
        s -> respond(exchange, 200, StatusJson.of(s)),
        () -> respond(exchange, 404, Map.of("error", "no status for request " + id)));
  }

  /** Refuses (421) a request whose Host header names neither a loopback name nor the bound host. */
  private static boolean hostAllowed(HttpExchange exchange, String boundHost) {
    String header = exchange.getRequestHeaders().getFirst("Host");
    String name = header == null ? "" : header.toLowerCase(Locale.ROOT).replaceFirst(":\\d+$", "");
    if (LOOPBACK.contains(name) || name.equals(boundHost.toLowerCase(Locale.ROOT))) {
      return true;
    }
    respond(exchange, 421, Map.of("error", "this server answers only to " + boundHost + " or a loopback name, not '" + name + "'"));
    return false;
  }

  int port() {
    return server.getAddress().getPort();
  }

  private static void respond(HttpExchange exchange, int code, Object body) {
    try (exchange) {
      byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(code, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      // The client went away; nothing to tell it.
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
