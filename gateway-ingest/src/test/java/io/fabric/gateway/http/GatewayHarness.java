package io.fabric.gateway.http;

import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/** One gateway on loopback over a real broker, with the API keys the tests use, and an HTTP client to call it. */
final class GatewayHarness implements AutoCloseable {
  static final String ACME_KEY = ApiKeys.newKey();
  static final String MULTI_KEY = ApiKeys.newKey();
  static final ApiKeys KEYS = ApiKeys.of(Map.of(
      ApiKeys.sha256Hex(ACME_KEY), new Caller("acme-billing", Set.of("acme")),
      ApiKeys.sha256Hex(MULTI_KEY), new Caller("ops", Set.of("acme", "globex"))));
  static final KeyPair GATEWAY_KEY = ed25519();
  /** The secret every instance in a test shares, so they may forward status reads to each other. */
  static final PeerAuthentication PEERS = PeerAuthentication.of(ApiKeys.newKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  final HttpGateway gateway;
  final IngressSender sender;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final AtomicReference<StatusReads> statuses = new AtomicReference<>();

  GatewayHarness(KafkaConnection kafka, TopicCatalog catalog, GatewayConfig config, Map<String, Object> producerOverrides) {
    FabricClient client = new FabricClient(kafka, catalog, producerOverrides, Clock.systemUTC())
        .signedBy(new RequestSigner("gateway", GATEWAY_KEY.getPrivate()));
    sender = new IngressSender(client, config.maxInFlight());
    SecurityAudit audit = new SecurityAudit(kafka, catalog, Map.of());
    gateway = HttpGateway.start(config, new HttpGateway.Backend(KEYS, null, sender, audit, statuses::get, null, null,
        () -> new HttpGateway.Health(true, Map.of("status", "UP")), System::currentTimeMillis));
    closeables.addAll(List.of(audit, sender));
  }

  /** Starts this instance's share of the partitioned status store, advertising this gateway's address. */
  StatusStore startStatusStore(KafkaConnection kafka, TopicCatalog catalog, Path stateDir) {
    StatusStore store = StatusStore.start(kafka, catalog, stateDir, gateway.advertised(), Map.of("commit.interval.ms", 50));
    statuses.set(store);
    closeables.add(store);
    return store;
  }

  HttpResponse<String> post(String path, String key, String body, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json");
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path, String key) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  static KeyPair ed25519() {
    try {
      return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    gateway.close();
    List<AutoCloseable> reverse = new ArrayList<>(closeables);
    Collections.reverse(reverse);
    for (AutoCloseable c : reverse) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
