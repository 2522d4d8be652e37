package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.RequestStatus;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.http.ApiKeys;
import io.fabric.gateway.http.GatewayConfig;
import io.fabric.gateway.http.HttpGateway;
import io.fabric.gateway.http.StatusReads;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.identity.SubmitterVerifier;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The gateway's reads with the gate's submitter registry plugged in: a submitter's signed credential
 * is needed, reads only the path it was signed for, only while fresh, and only the submitter's
 * tenants; another tenant's id is indistinguishable from an unknown one. A foreign Host is refused.
 */
class GatewayReadCredentialsTest {
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final long NOW = 1_800_000_000_000L;
  private final RequestSigner agent = new RequestSigner("acme-agent", AGENT.getPrivate());
  private final Map<String, RequestStatus> statuses = Map.of("r-acme", status("r-acme", "acme"), "r-globex", status("r-globex", "globex"));

  private static RequestStatus status(String id, String tenant) {
    return RequestStatus.newBuilder().setRequestId(id).setTenantId(tenant).setFlowId(id).setAction("summarize").setOutcome("ROUTED")
        .setUpdatedAt(NOW).build();
  }

  private HttpGateway start(SubmitterVerifier submitters) {
    return start(submitters, java.util.Set.of());
  }

  private HttpGateway start(SubmitterVerifier submitters, java.util.Set<String> hostAliases) {
    StatusReads reads = new StatusReads() {
      @Override
      public Location locate(String requestId) {
        return new Location.Here(Optional.ofNullable(statuses.get(requestId)));
      }

      @Override
      public boolean ready() {
        return true;
      }
    };
    return HttpGateway.start(GatewayConfig.defaults("127.0.0.1", 0).withHostAliases(hostAliases), new HttpGateway.Backend(ApiKeys.none(),
        submitters == null ? null : GatewayOptions.signedReads(submitters), null, null, () -> reads, null, null,
        () -> new HttpGateway.Health(true, Map.of("requests", submitters == null ? "open" : "signed")), () -> NOW));
  }

  private static HttpResponse<String> get(HttpGateway server, String path, String authorization) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void readsNeedACredentialAndAnswerOnlyForTheSubmittersTenants() throws Exception {
    SubmitterVerifier submitters = new SubmitterVerifier(ApproverRegistry.of(new Approver("acme-agent", AGENT.getPublic(), Set.of("*"),
        Set.of("acme"))));
    try (HttpGateway server = start(submitters)) {
      assertEquals(401, get(server, "/v1/requests/r-acme", null).statusCode());
      assertEquals(200, get(server, "/v1/requests/r-acme", agent.authorization("GET", "/v1/requests/r-acme", NOW)).statusCode());
      HttpResponse<String> otherTenant = get(server, "/v1/requests/r-globex", agent.authorization("GET", "/v1/requests/r-globex", NOW));
      HttpResponse<String> unknown = get(server, "/v1/requests/nope", agent.authorization("GET", "/v1/requests/nope", NOW));
      assertEquals(404, otherTenant.statusCode());
      assertEquals(unknown.body().replace("nope", "r-globex"), otherTenant.body(), "indistinguishable from an unknown id");
      assertEquals(401, get(server, "/v1/requests/r-acme", agent.authorization("GET", "/v1/requests/r-globex", NOW)).statusCode(),
          "a credential reads only the path it was signed for");
      assertEquals(401, get(server, "/v1/requests/r-acme", agent.authorization("GET", "/v1/requests/r-acme", NOW - 3_600_000)).statusCode(),
          "a stale credential reads nothing");
      assertTrue(get(server, "/health", null).body().replace(" ", "").contains("\"requests\":\"signed\""));
      assertEquals(401, get(server, "/v1/requests/r-acme", "Bearer " + ApiKeys.newKey()).statusCode(), "an unknown API key reads nothing");
    }
  }

  @Test
  void withoutARegistryOrKeysReadsAreOpenAndSaySo() throws Exception {
    try (HttpGateway server = start(null)) {
      assertEquals(200, get(server, "/v1/requests/r-globex", null).statusCode());
      assertTrue(get(server, "/health", null).body().replace(" ", "").contains("\"requests\":\"open\""));
      assertEquals(401, HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/tasks"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"action\":\"a\"}")).build(), HttpResponse.BodyHandlers.ofString()).statusCode(),
          "no key, no tasks: the tenant comes from a key");
    }
  }

  @Test
  void aForeignHostHeaderIsRefused() throws Exception {
    try (HttpGateway server = start(null)) {
      String statusLine = healthWithHost(server, "attacker.example:80");
      assertTrue(statusLine.contains(" 421 "), statusLine);
    }
  }

  @Test
  void aServiceNameGivenAsAnAliasIsAnsweredAndOthersStillAreNot() throws Exception {
    try (HttpGateway server = start(null, java.util.Set.of("fabric-gateway.fabric.svc"))) {
      assertTrue(healthWithHost(server, "fabric-gateway.fabric.svc:8080").contains(" 200 "));
      assertTrue(healthWithHost(server, "fabric-gateway.evil.svc:8080").contains(" 421 "));
    }
  }

  /** The status line of GET /health sent with a Host header of our choosing (the JDK client will not send any). */
  private static String healthWithHost(HttpGateway server, String host) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      OutputStream out = socket.getOutputStream();
      out.write(("GET /health HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }
}
