package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.RequestStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two gateway instances on loopback, no broker: the front one holds no status and forwards every read to
 * the holder, as Kafka Streams' metadata would tell it to. The forwarded read authenticates as the
 * instance (a {@link PeerAuthentication} header), never with the caller's key, and the caller's tenants
 * still decide what the answer shows.
 */
class GatewayPeerReadsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ACME_KEY = ApiKeys.newKey();
  private static final String OPS_KEY = ApiKeys.newKey();
  private static final ApiKeys KEYS = ApiKeys.of(Map.of(
      ApiKeys.sha256Hex(ACME_KEY), new Caller("acme-billing", Set.of("acme")),
      ApiKeys.sha256Hex(OPS_KEY), new Caller("ops", Set.of("acme", "globex"))));
  private static final PeerAuthentication PEERS = PeerAuthentication.of("s".repeat(40).getBytes(StandardCharsets.UTF_8));
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final List<HttpGateway> running = new ArrayList<>();
  /** What reached the holder: each request's Authorization header. */
  private final List<String> holderSaw = new CopyOnWriteArrayList<>();

  private HttpGateway holder(PeerAuthentication peers) {
    Map<String, RequestStatus> store = Map.of("acme-1", status("acme-1", "acme"), "globex-1", status("globex-1", "globex"));
    StatusReads reads = new StatusReads() {
      @Override
      public Location locate(String requestId) {
        return new Location.Here(Optional.ofNullable(store.get(requestId)));
      }

      @Override
      public boolean ready() {
        return true;
      }
    };
    return start(GatewayConfig.defaults("127.0.0.1", 0).withPeers(peers), reads);
  }

  private HttpGateway front(PeerAuthentication peers, HttpGateway holder) {
    StatusReads reads = new StatusReads() {
      @Override
      public Location locate(String requestId) {
        return new Location.Elsewhere(holder.advertised());
      }

      @Override
      public boolean ready() {
        return true;
      }
    };
    return start(GatewayConfig.defaults("127.0.0.1", 0).withPeers(peers), reads);
  }

  private HttpGateway start(GatewayConfig config, StatusReads reads) {
    HttpGateway gateway = HttpGateway.start(config, new HttpGateway.Backend(KEYS, null, null, null, () -> reads, null, null,
        () -> new HttpGateway.Health(true, Map.of("status", "UP")), System::currentTimeMillis));
    running.add(gateway);
    return gateway;
  }

  private static RequestStatus status(String id, String tenant) {
    return RequestStatus.newBuilder().setRequestId(id).setTenantId(tenant).setFlowId(id).setAction("summarize").setOutcome("EXECUTED")
        .setUpdatedAt(1L).build();
  }

  @AfterEach
  void stop() {
    running.forEach(HttpGateway::close);
  }

  private static HttpResponse<String> get(HttpGateway gateway, String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path)).GET();
    headers.forEach(request::header);
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, String> bearer(String key) {
    return Map.of("Authorization", "Bearer " + key);
  }

  @Test
  void aForwardedReadIsAnsweredForTheCallersTenantsOnly() throws Exception {
    HttpGateway front = front(PEERS, holder(PEERS));

    HttpResponse<String> own = get(front, "/v1/requests/acme-1", bearer(ACME_KEY));
    HttpResponse<String> foreign = get(front, "/v1/requests/globex-1", bearer(ACME_KEY));
    HttpResponse<String> unknown = get(front, "/v1/requests/nobody-1", bearer(ACME_KEY));
    HttpResponse<String> wider = get(front, "/v1/requests/globex-1", bearer(OPS_KEY));

    assertEquals(200, own.statusCode(), own.body());
    assertEquals("acme-1", JSON.readTree(own.body()).get("request_id").asText());
    assertEquals(404, foreign.statusCode(), foreign.body());
    assertEquals(unknown.body().replace("nobody-1", "globex-1"), foreign.body(), "another tenant's id looks unknown");
    assertEquals(200, wider.statusCode(), "a key for both tenants sees globex's: " + wider.body());
  }

  @Test
  void aForwardedLongPollIsAnsweredByTheHolder() throws Exception {
    HttpGateway front = front(PEERS, holder(PEERS));

    HttpResponse<String> waited = get(front, "/v1/requests/acme-1/wait?timeout=PT1S", bearer(ACME_KEY));

    assertEquals(200, waited.statusCode(), waited.body());
    assertTrue(JSON.readTree(waited.body()).get("terminal").asBoolean(), waited.body());
  }

  @Test
  void aForgedOrReplayedPeerHeaderIsRefused() throws Exception {
    HttpGateway holder = holder(PEERS);
    PeerAuthentication impostor = PeerAuthentication.of("x".repeat(40).getBytes(StandardCharsets.UTF_8));
    Caller everyone = new Caller("impostor", Set.of(Caller.ANY_TENANT));
    long now = System.currentTimeMillis();

    HttpResponse<String> forged = get(holder, "/v1/requests/globex-1",
        Map.of(PeerAuthentication.HEADER, impostor.sign("GET", "/v1/requests/globex-1", everyone, now)));
    HttpResponse<String> otherPath = get(holder, "/v1/requests/globex-1",
        Map.of(PeerAuthentication.HEADER, PEERS.sign("GET", "/v1/requests/acme-1", everyone, now)));
    HttpResponse<String> stale = get(holder, "/v1/requests/globex-1",
        Map.of(PeerAuthentication.HEADER, PEERS.sign("GET", "/v1/requests/globex-1", everyone, now - 120_000)));
    HttpResponse<String> garbage = get(holder, "/v1/requests/globex-1", Map.of(PeerAuthentication.HEADER, "e30.e30"));

    for (HttpResponse<String> refused : List.of(forged, otherPath, stale, garbage)) {
      assertEquals(401, refused.statusCode(), refused.body());
      assertTrue(!refused.body().contains("globex-1\",\"tenant_id"), refused.body());
    }
  }

  @Test
  void withoutAPeerSecretNothingIsForwardedOrAccepted() throws Exception {
    HttpGateway holder = holder(null);
    HttpGateway front = front(null, holder);

    HttpResponse<String> read = get(front, "/v1/requests/acme-1", bearer(ACME_KEY));
    HttpResponse<String> peerRead = get(holder, "/v1/requests/acme-1",
        Map.of(PeerAuthentication.HEADER, PEERS.sign("GET", "/v1/requests/acme-1", new Caller("x", Set.of("acme")), System.currentTimeMillis())));

    assertEquals(503, read.statusCode(), read.body());
    assertTrue(read.body().contains("--gateway-peer-secret"), read.body());
    assertEquals(401, peerRead.statusCode(), peerRead.body());
  }

  @Test
  void instancesWithDifferentSecretsAnswerBadGatewayNotTheStatus() throws Exception {
    HttpGateway front = front(PeerAuthentication.of("y".repeat(40).getBytes(StandardCharsets.UTF_8)), holder(PEERS));

    HttpResponse<String> read = get(front, "/v1/requests/acme-1", bearer(ACME_KEY));

    assertEquals(502, read.statusCode(), read.body());
    assertTrue(!read.body().contains("EXECUTED"), read.body());
  }
}
