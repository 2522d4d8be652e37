package io.fabric.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;

/** {@code GET /health} and {@code GET /v1/requests/{id}} for the processes of {@code fabric run}. */
final class StatusHttpServer implements AutoCloseable {
  private final HttpServer server;

  private StatusHttpServer(HttpServer server) {
    this.server = server;
  }

  static StatusHttpServer start(String host, int port, FabricRuntime runtime) {
    try {
      HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
      server.createContext("/health", exchange -> {
        boolean up = runtime.healthy();
        respond(exchange, up ? 200 : 503, Map.of("status", up ? "UP" : "DOWN", "apps", runtime.appNames(),
            "states", runtime.appStates()));
      });
      server.createContext("/v1/requests/", exchange -> {
        String id = exchange.getRequestURI().getPath().substring("/v1/requests/".length());
        if (!"GET".equals(exchange.getRequestMethod()) || id.isBlank() || runtime.statusView() == null) {
          respond(exchange, id.isBlank() ? 400 : 405, Map.of("error", "use GET /v1/requests/{request_id}"));
          return;
        }
        runtime.statusView().find(id).ifPresentOrElse(
            s -> respond(exchange, 200, StatusJson.of(s)),
            () -> respond(exchange, 404, Map.of("error", "no status for request " + id)));
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
