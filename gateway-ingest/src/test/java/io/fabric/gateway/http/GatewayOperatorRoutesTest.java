package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator routes the console's dead-letter and flow pages use, scoped like every read: a key for
 * one tenant never lists, reads, traces or replays another tenant's item (answered like an unknown id,
 * and the replayer is never asked), a dead letter without a tenant is only for a key of every tenant,
 * a replay is a write (an API key, not a signed read credential), and a filter cannot widen the scope.
 * Kafka-free: the desk and the history are fakes, the HTTP server is the real gateway.
 */
class GatewayOperatorRoutesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String ACME_KEY = ApiKeys.newKey();
  private static final String GLOBEX_KEY = ApiKeys.newKey();
  private static final String ALL_KEY = ApiKeys.newKey();
  private static final ApiKeys KEYS = ApiKeys.of(Map.of(
      ApiKeys.sha256Hex(ACME_KEY), new Caller("acme-ops", Set.of("acme")),
      ApiKeys.sha256Hex(GLOBEX_KEY), new Caller("globex-ops", Set.of("globex")),
      ApiKeys.sha256Hex(ALL_KEY), new Caller("root-ops", Set.of(Caller.ANY_TENANT))));
  /** A signed read credential for acme, as a submitter would send it. */
  private static final String SIGNED_READ = "Fabric-Ed25519 acme-app:1:sig";

  private static final FakeDesk desk = new FakeDesk();
  /** Events of acme, globex and none; packs of acme's flow, globex's, and one flow id both tenants used. */
  private static final AuditDesk audits = new AuditDesk() {
    private final List<Event> events = List.of(event("acme"), event("globex"), event(null));

    private Event event(String tenant) {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("type", "SECURITY_EVENT");
      view.put("tenant_id", tenant);
      return new Event(tenant, view);
    }

    @Override
    public Map<String, Object> chainVerification() {
      return Map.of("verified", true);
    }

    @Override
    public List<Event> events(Map<String, List<String>> filters, Predicate<String> visible) {
      return events; // ignores the caller's scope on purpose: the gateway must still filter
    }

    @Override
    public Optional<Pack> evidence(String flowId) {
      return switch (flowId) {
        case "acme-flow", "acme\"flow" -> Optional.of(new Pack(Set.of("acme"), "{\"flow_id\":\"acme-flow\"}"));
        case "globex-flow" -> Optional.of(new Pack(Set.of("globex"), "{}"));
        case "shared-flow" -> Optional.of(new Pack(Set.of("acme", "globex"), "{}"));
        default -> Optional.empty();
      };
    }

    @Override
    public Map<String, Object> verify(String packText) {
      return Map.of("verified", true);
    }
  };
  private static HttpGateway gateway;

  @BeforeAll
  static void start() {
    ReadCredentials signed = (authorization, method, path, now) -> authorization.equals(SIGNED_READ)
        ? new ReadCredentials.Verdict(Optional.of(new Caller("acme-app", Set.of("acme"))), "")
        : new ReadCredentials.Verdict(Optional.empty(), "bad signature");
    FlowHistory history = new FlowHistory() {
      @Override
      public Optional<Scoped> revisions(String flowId) {
        return flowId.startsWith("acme-") || flowId.startsWith("globex-")
            ? Optional.of(new Scoped(flowId.substring(0, flowId.indexOf('-')), List.of(Map.of("flow_id", flowId)))) : Optional.empty();
      }

      @Override
      public Optional<Scoped> trace(String requestId) {
        return revisions(requestId).map(s -> new Scoped(s.tenantId(), Map.of("request_id", requestId)));
      }
    };
    gateway = HttpGateway.start(GatewayConfig.defaults("127.0.0.1", 0), new HttpGateway.Backend(KEYS, signed, null, null, () -> null,
        null, null, () -> new HttpGateway.Health(true, Map.of()), System::currentTimeMillis, desk, history, audits));
  }

  @BeforeEach
  void forgetReplays() {
    desk.replays.clear();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void aKeyListsOnlyItsTenantsDeadLettersAndAFilterNeverWidensIt() throws Exception {
    assertEquals(List.of("dl-acme"), ids(get("/v1/dead-letters", ACME_KEY)));
    assertEquals(List.of("dl-globex"), ids(get("/v1/dead-letters", GLOBEX_KEY)));
    assertEquals(List.of(), ids(get("/v1/dead-letters?tenant=globex", ACME_KEY)), "asking for another tenant lists nothing, not everything");
    assertEquals(List.of("dl-acme"), ids(get("/v1/dead-letters", SIGNED_READ)), "a signed read credential reads its tenants'");
    assertEquals(List.of("dl-acme", "dl-globex", "dl-undecodable"), ids(get("/v1/dead-letters", ALL_KEY)),
        "a dead letter without a tenant is only for a key of every tenant");
    assertEquals(401, get("/v1/dead-letters", null).statusCode());
    HttpResponse<String> bad = get("/v1/dead-letters?bogus=1", ACME_KEY);
    assertEquals(400, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("unknown filter 'bogus'"), bad.body());
  }

  @Test
  void anotherTenantsDeadLetterFlowOrTraceIsAnsweredLikeAnUnknownOne() throws Exception {
    assertEquals(200, get("/v1/dead-letters/dl-acme", ACME_KEY).statusCode());
    HttpResponse<String> foreign = get("/v1/dead-letters/dl-globex", ACME_KEY);
    HttpResponse<String> unknown = get("/v1/dead-letters/dl-nope", ACME_KEY);
    assertEquals(404, foreign.statusCode());
    assertEquals(unknown.body().replace("dl-nope", "ID"), foreign.body().replace("dl-globex", "ID"), "no difference tells them apart");
    assertEquals(404, get("/v1/dead-letters/dl-undecodable", ACME_KEY).statusCode());
    assertEquals(200, get("/v1/flows/acme-1/revisions", ACME_KEY).statusCode());
    assertEquals(404, get("/v1/flows/globex-1/revisions", ACME_KEY).statusCode());
    assertEquals(200, get("/v1/requests/acme-1/trace", SIGNED_READ).statusCode());
    assertEquals(404, get("/v1/requests/globex-1/trace", ACME_KEY).statusCode());
  }

  @Test
  void aReplayIsAWriteOfTheCallersTenantsOnlyAndADryRunUnlessAsked() throws Exception {
    assertEquals(404, post("/v1/dead-letters/dl-globex/replay?execute=true", ACME_KEY).statusCode(), "another tenant's: like unknown");
    assertEquals(404, post("/v1/dead-letters/dl-undecodable/replay?execute=true", ACME_KEY).statusCode());
    assertEquals(401, post("/v1/dead-letters/dl-acme/replay?execute=true", SIGNED_READ).statusCode(), "a read credential may not replay");
    assertEquals(401, post("/v1/dead-letters/dl-acme/replay?execute=true", null).statusCode());
    assertEquals(400, post("/v1/dead-letters/dl-acme/replay?execute=yes", ACME_KEY).statusCode());
    HttpResponse<String> crossSite = send(HttpRequest.newBuilder(uri("/v1/dead-letters/dl-acme/replay?execute=true"))
        .header("Sec-Fetch-Site", "cross-site").POST(HttpRequest.BodyPublishers.noBody()), ACME_KEY);
    assertEquals(403, crossSite.statusCode(), "a page of another site cannot make a browser replay");
    assertEquals(List.of(), desk.replays, "the replayer was never asked");

    HttpResponse<String> dryRun = post("/v1/dead-letters/dl-acme/replay", ACME_KEY);
    assertEquals(200, dryRun.statusCode(), dryRun.body());
    HttpResponse<String> replayed = post("/v1/dead-letters/dl-acme/replay?execute=true", ACME_KEY);
    assertEquals(202, replayed.statusCode(), replayed.body());
    assertEquals(List.of("dl-acme dry-run by gateway:acme-ops", "dl-acme execute by gateway:acme-ops"), desk.replays);
    assertFalse(desk.lastScope.test("globex"), "the replayer itself is told which tenants it may replay");
    assertFalse(desk.lastScope.test(null));
    assertTrue(desk.lastScope.test("acme"));
  }

  @Test
  void craftedIdsAreUnknownIdsAndNeverReachAnotherResource() throws Exception {
    for (String id : List.of("..%2Fdl-globex", "dl-globex%00", "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "dl-acme%20", "x".repeat(3000))) {
      HttpResponse<String> read = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri("/v1/dead-letters/" + id))
          .header("Authorization", "Bearer " + ACME_KEY).GET().build(), HttpResponse.BodyHandlers.ofString());
      // Jetty itself refuses some (400, e.g. a NUL); the gateway answers the rest as unknown ids, in JSON
      assertTrue(read.statusCode() == 404 || read.statusCode() == 400, id + ": " + read.statusCode());
      if (read.statusCode() == 404) {
        assertEquals("application/json", read.headers().firstValue("Content-Type").orElse("").split(";")[0], id);
      }
      // Jetty closes the connection after refusing a malformed path: a fresh client, so no closed connection is reused
      HttpResponse<String> replay = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri("/v1/dead-letters/" + id + "/replay?execute=true"))
          .header("Authorization", "Bearer " + ACME_KEY).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertTrue(replay.statusCode() == 404 || replay.statusCode() == 400, id + ": " + replay.statusCode());
    }
    assertEquals(List.of(), desk.replays);
  }

  @Test
  void auditEventsAndEvidencePacksAreTheCallersTenantsOnly() throws Exception {
    HttpResponse<String> acme = get("/v1/audit/events?type=SECURITY_EVENT", ACME_KEY);
    assertEquals(200, acme.statusCode(), acme.body());
    assertEquals(1, JSON.readTree(acme.body()).size(), acme.body());
    assertEquals("acme", JSON.readTree(acme.body()).get(0).get("tenant_id").asText());
    assertEquals(3, JSON.readTree(get("/v1/audit/events", ALL_KEY).body()).size(), "events without a tenant only for every tenant's key");
    assertEquals(200, get("/v1/audit/verification", SIGNED_READ).statusCode());
    assertEquals(401, get("/v1/audit/verification", null).statusCode());

    HttpResponse<String> pack = get("/v1/evidence/acme-flow", ACME_KEY);
    assertEquals(200, pack.statusCode());
    assertEquals("attachment; filename=\"evidence-acme-flow.json\"", pack.headers().firstValue("Content-Disposition").orElse(""));
    assertEquals("attachment; filename=\"evidence-acme_flow.json\"",
        get("/v1/evidence/acme%22flow", ACME_KEY).headers().firstValue("Content-Disposition").orElse(""), "no header injection by a flow id");
    assertEquals(404, get("/v1/evidence/globex-flow", ACME_KEY).statusCode());
    assertEquals(404, get("/v1/evidence/shared-flow", ACME_KEY).statusCode(), "a flow id two tenants used: not one tenant's pack");
    assertEquals(404, get("/v1/evidence/shared-flow/verification", ACME_KEY).statusCode());
    assertEquals(200, get("/v1/evidence/shared-flow", ALL_KEY).statusCode());
    assertEquals(404, get("/v1/evidence/nothing", ALL_KEY).statusCode());
  }

  private static List<String> ids(HttpResponse<String> answer) throws Exception {
    assertEquals(200, answer.statusCode(), answer.body());
    List<String> ids = new ArrayList<>();
    for (JsonNode item : JSON.readTree(answer.body())) {
      ids.add(item.get("id").asText());
    }
    return ids;
  }

  private static HttpResponse<String> get(String path, String credential) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).GET(), credential);
  }

  private static HttpResponse<String> post(String path, String credential) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.noBody()), credential);
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + gateway.port() + path);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request, String credential) throws Exception {
    if (credential != null) {
      request.header("Authorization", credential.startsWith("Fabric-") ? credential : "Bearer " + credential);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Three dead letters: acme's, globex's and one whose record cannot be decoded (no tenant). */
  private static final class FakeDesk implements DeadLetterDesk {
    final List<String> replays = new ArrayList<>();
    Predicate<String> lastScope;
    private final List<Item> items = List.of(item("dl-acme", "acme"), item("dl-globex", "globex"), item("dl-undecodable", null));

    private static Item item(String id, String tenant) {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("id", id);
      view.put("tenant_id", tenant);
      return new Item(id, tenant, view);
    }

    @Override
    public List<Item> list(Map<String, List<String>> filters) {
      if (!filters.keySet().stream().allMatch(Set.of("tenant")::contains)) {
        throw new IllegalArgumentException("unknown filter '" + filters.keySet().iterator().next() + "'");
      }
      List<String> tenants = filters.getOrDefault("tenant", List.of());
      return items.stream().filter(i -> tenants.isEmpty() || tenants.contains(i.tenantId())).toList();
    }

    @Override
    public Optional<Item> find(String id) {
      return items.stream().filter(i -> i.id().equals(id)).findFirst();
    }

    @Override
    public synchronized Map<String, Object> replay(String id, Predicate<String> tenantAllowed, boolean execute, String by) {
      replays.add(id + (execute ? " execute" : " dry-run") + " by " + by);
      lastScope = tenantAllowed;
      return Map.of("dry_run", !execute, "records", List.of(Map.of("id", id, "status", execute ? "replayed" : "would_replay")));
    }
  }
}
