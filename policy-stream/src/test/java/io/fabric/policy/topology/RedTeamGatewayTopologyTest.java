package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
import io.fabric.gateway.http.Caller;
import io.fabric.gateway.http.TaskBodyParser;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team, the gateway's identity seen from the gate: what a producer that writes the gate's input
 * topics directly (a registered submitter, or anyone who captured a signed record) can do with the
 * names and signatures the HTTP gateway and the replayer rely on. Each test states the promise and
 * fails while it is broken.
 */
class RedTeamGatewayTopologyTest {
  private static final Instant NOW = Instant.parse("2026-12-01T06:00:00Z");
  private static final KeyPair GATEWAY = ApproverKeys.newKeyPair();
  private static final KeyPair AGENT = ApproverKeys.newKeyPair();
  private static final KeyPair REPLAYER = ApproverKeys.newKeyPair();
  private static final KeyPair GLOBEX = ApproverKeys.newKeyPair();
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path stateDir;

  private GateDriver t;
  private final RequestSigner agent = new RequestSigner("support-agent", AGENT.getPrivate());
  private final RequestSigner gateway = new RequestSigner("gateway", GATEWAY.getPrivate());
  private final RequestSigner replayer = new RequestSigner("dlq-replayer", REPLAYER.getPrivate());
  private final RequestSigner globexAgent = new RequestSigner("globex-agent", GLOBEX.getPrivate());

  @BeforeEach
  void start() {
    ApproverRegistry submitters = ApproverRegistry.of(
        new Approver("gateway", GATEWAY.getPublic(), Set.of(ReservedNames.GATEWAY_SCOPE, "*"), Set.of("*")),
        new Approver("support-agent", AGENT.getPublic(), Set.of("summarize"), Set.of("acme")),
        new Approver("globex-agent", GLOBEX.getPublic(), Set.of("*"), Set.of("globex")),
        new Approver("dlq-replayer", REPLAYER.getPublic(), Set.of(ReservedNames.REPLAY_SCOPE, "*"), Set.of("*")));
    t = new GateDriver(new PolicyGate(PolicyFile.builder().build(), new SignedTokenVerifier(ApproverRegistry.of()),
        new SubmitterVerifier(submitters)), Duration.ofSeconds(1), stateDir, NOW);
  }

  @AfterEach
  void close() {
    t.close();
  }

  private static TaskRequest request(String tenant, String action, Map<String, String> attributes) {
    return Submission.of(tenant, action).payload("{\"text\":\"hi\"}").attributes(attributes).toRequest(NOW.toEpochMilli());
  }

  /** What the HTTP gateway makes of a body from the holder of an API key for one tenant, signed as the gateway signs it. */
  private TaskRequest viaGateway(String keyHolder, String tenant, String body) throws Exception {
    return gateway.sign(TaskBodyParser.parse(JSON.readTree(body), new Caller(keyHolder, Set.of(tenant)), null, t.now().toEpochMilli())
        .request().orElseThrow());
  }

  /**
   * README: "the caller's name travels in the attribute gateway.principal, covered by the gateway's
   * signature; a body that sets it is refused". Only the HTTP body is checked: the gate reserves only
   * {@code fabric.*}, so any registered submitter producing to fabric.tasks.ingress may sign a request
   * that names an API-key holder of its choosing as the principal, and it runs. The attribute then
   * attributes an action to a caller who never made it (audit, downstream plugins reading it).
   */
  @Test
  void onlyTheGatewaysSubmitterMayNameAGatewayPrincipal() {
    TaskRequest forged = t.submit(agent.sign(request("acme", "summarize",
        Map.of(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE, "acme-billing"))));

    assertEquals(List.of(), t.routedIds(), "a request naming a gateway principal must come from the gateway's submitter");
    RequestStatus status = t.status.readKeyValuesToMap().get(forged.getRequestId());
    assertEquals("BLOCKED", status.getOutcome());
    assertEquals("UNAUTHORIZED", status.getReason());
    assertTrue(status.getDetail().contains(ReservedNames.GATEWAY_SCOPE), status.getDetail());
    assertEquals(1, t.audits("SECURITY_EVENT").size(), "a forged principal is a security event");
  }

  @Test
  void theGatewaysSubmitterNamesItsCallerAndAReplayKeepsTheName() throws Exception {
    TaskRequest sent = t.submit(viaGateway("acme-billing", "acme", "{\"action\":\"summarize\",\"payload\":{\"text\":\"hi\"}}"));
    assertEquals(List.of(sent.getRequestId()), t.routedIds());

    Instant later = t.advance(Duration.ofHours(1));
    ReplayLineage lineage = ReplayLineage.newBuilder().setDeadLetterId("dl-1").setGeneration(1).setReplayedAt(later.toEpochMilli())
        .setReplayedBy("ops@host").setOriginalSubmitter(sent.getSubmitter()).build();
    TaskRequest replay = replayer.sign(TaskRequest.newBuilder(sent).setReplay(lineage).build());
    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());

    assertEquals("acme-billing", t.routed.readValue().getRequest().getAttributes().get(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE),
        "a replay carries the caller the gateway named, under the replayer's signature");
    assertEquals(List.of(), t.audits("SECURITY_EVENT"));
  }

  /**
   * A signed replay was not single-use: the same record (captured off fabric.tasks.replays, or sent
   * twice by a confused tool) was admitted as a REPLAY each time inside its 10-minute freshness window
   * and routed again, since a replay reuses its request's id. The gate now spends each replay it
   * admits (request id, dead letter id, generation, replayed-at: all under the replayer's signature)
   * and refuses a copy: blocked, audited, and the request keeps the status of the replay that ran.
   */
  @Test
  void oneSignedReplayRunsOnce() {
    TaskRequest first = t.submit(agent.sign(request("acme", "summarize", Map.of())));
    assertEquals(List.of(first.getRequestId()), t.routedIds());
    TaskRequest replay = replayOf(first, "dl-1", 1, t.advance(Duration.ofHours(1)));

    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
    t.advance(Duration.ofMinutes(1));
    t.replays.pipeInput(IngressKey.of(replay), TaskRequest.newBuilder(replay).build(), t.now()); // the captured copy
    t.advance(Duration.ofMinutes(1));
    t.replays.pipeInput(IngressKey.of(replay), TaskRequest.newBuilder(replay).build(), t.now());

    assertEquals(List.of(first.getRequestId()), t.routedIds(), "one signed replay record must run once");
    assertCopiesRefused(first, 2);
  }

  /**
   * The copy's producer chooses its Kafka key (and so its partition): a copy keyed otherwise is
   * misplaced at admit and goes through the by-idempotency-key repartition, then, like every record,
   * to the request-id stage keyed by the signed request id, where the first copy was spent.
   */
  @Test
  void aCopyResentUnderAnotherKeyIsRefusedToo() {
    TaskRequest first = t.submit(agent.sign(request("acme", "summarize", Map.of())));
    assertEquals(List.of(first.getRequestId()), t.routedIds());
    TaskRequest replay = replayOf(first, "dl-1", 1, t.advance(Duration.ofHours(1)));

    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
    t.advance(Duration.ofSeconds(30));
    for (String key : List.of("another-key", first.getRequestId(), "globex|" + first.getIdempotencyKey())) {
      t.replays.pipeInput(key, TaskRequest.newBuilder(replay).build(), t.now());
    }

    assertEquals(List.of(first.getRequestId()), t.routedIds(), "a copy under another key or partition must not run either");
    assertCopiesRefused(first, 3);
  }

  /** The replayer's next replay (another dead letter, the next generation, signed anew) is a new replay: it runs. */
  @Test
  void aNewReplayOfTheSameRequestStillRuns() {
    TaskRequest first = t.submit(agent.sign(request("acme", "summarize", Map.of())));
    TaskRequest replay1 = replayOf(first, "dl-1", 1, t.advance(Duration.ofHours(1)));
    t.replays.pipeInput(IngressKey.of(replay1), replay1, t.now());
    TaskRequest replay2 = replayOf(first, "dl-2", 2, t.advance(Duration.ofMinutes(2)));
    t.replays.pipeInput(IngressKey.of(replay2), replay2, t.now());

    assertEquals(List.of(first.getRequestId(), first.getRequestId(), first.getRequestId()), t.routedIds(),
        "the request, its first replay and its second replay each run once");
    assertTrue(t.blocked.isEmpty());
    assertEquals(List.of(), t.audits("SECURITY_EVENT"));
  }

  /** A spent replay is forgotten only once its signature is refused as stale: a copy then is refused where it enters. */
  @Test
  void aCopyAfterTheSignatureExpiredIsRefusedAsStale() {
    TaskRequest first = t.submit(agent.sign(request("acme", "summarize", Map.of())));
    TaskRequest replay = replayOf(first, "dl-1", 1, t.advance(Duration.ofHours(1)));
    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
    t.advance(Duration.ofHours(3)); // the spent replay's key is pruned by now

    t.replays.pipeInput(IngressKey.of(replay), TaskRequest.newBuilder(replay).build(), t.now());

    assertEquals(List.of(first.getRequestId(), first.getRequestId()), t.routedIds(), "the copy does not run");
    List<AuditEvent> events = t.audits("SECURITY_EVENT");
    assertEquals(1, events.size());
    assertTrue(events.get(0).getDetail().contains("stale"), events.get(0).getDetail());
    assertEquals("ROUTED", t.status.readKeyValuesToMap().get(first.getRequestId()).getOutcome());
    KeyValueStore<String, Long> spent = t.driver.getKeyValueStore(PolicyTopology.USED_REPLAYS_STORE);
    assertEquals(0, spent.approximateNumEntries(), "and the spent replay was forgotten: the store stays bounded");
  }

  /**
   * Why no key or partition can route a copy around the check: the store that spends replays belongs
   * to the one stage fed only by the by-request-id repartition, whose key is the signed request id.
   */
  @Test
  void replaysAreSpentWhereRecordsAreKeyedByTheSignedRequestId() {
    List<TopologyDescription.Subtopology> spending = t.topology.describe().subtopologies().stream()
        .filter(sub -> sub.nodes().stream().anyMatch(n -> n instanceof TopologyDescription.Processor p
            && p.stores().contains(PolicyTopology.USED_REPLAYS_STORE)))
        .toList();
    assertEquals(1, spending.size());
    Set<String> processors = new TreeSet<>();
    Set<String> sources = new TreeSet<>();
    spending.get(0).nodes().forEach(n -> {
      if (n instanceof TopologyDescription.Source source) {
        sources.addAll(source.topicSet());
      } else if (n instanceof TopologyDescription.Processor p && p.stores().contains(PolicyTopology.USED_REPLAYS_STORE)) {
        processors.add(p.name());
      }
    });
    assertEquals(Set.of("claim-request-id"), processors);
    assertEquals(Set.of(PolicyTopology.BY_REQUEST_ID_REPARTITION + "-repartition"), sources);
  }

  private TaskRequest replayOf(TaskRequest original, String deadLetterId, int generation, Instant at) {
    ReplayLineage lineage = ReplayLineage.newBuilder().setDeadLetterId(deadLetterId).setGeneration(generation).setReplayedAt(at.toEpochMilli())
        .setReplayedBy("ops@host").setOriginalSubmitter(original.getSubmitter()).build();
    return replayer.sign(TaskRequest.newBuilder(original).setReplay(lineage).build());
  }

  private void assertCopiesRefused(TaskRequest original, int copies) {
    List<BlockedTask> refused = t.blocked.readValuesToList();
    assertEquals(copies, refused.size(), "each copy is blocked");
    refused.forEach(b -> {
      assertEquals("UNAUTHENTICATED", b.getReason());
      assertTrue(b.getDetail().startsWith("reused replay: "), b.getDetail());
    });
    List<AuditEvent> events = t.audits("SECURITY_EVENT");
    assertEquals(copies, events.size(), "and audited like other forgeries");
    assertTrue(events.get(0).getDetail().contains("dead letter dl-1"), events.get(0).getDetail());
    List<RequestStatus> statuses = t.status.readKeyValuesToList().stream().filter(kv -> kv.key.equals(original.getRequestId()))
        .map(kv -> kv.value).toList();
    assertEquals("ROUTED", statuses.get(statuses.size() - 1).getOutcome(), "the request keeps the status of the replay that ran");
    assertTrue(statuses.stream().noneMatch(st -> "BLOCKED".equals(st.getOutcome())), "a copy writes no status");
  }

  /**
   * {@code POST /v1/tasks} lets a caller choose {@code request_id}. Ids were unique across tenants (the
   * first claimed it), so the holder of tenant A's key could pre-empt an id tenant B would use (an
   * order number): B's request, answered 202, was refused as a reuse, wrote no status B could read,
   * and never ran. The gateway now scopes a chosen id to the tenant ({@code tenant:T:ID}), and the gate
   * refuses a scoped id from any other tenant without letting it claim the id, so neither the gateway's
   * callers nor a producer writing the ingress directly can take another tenant's id.
   */
  @Test
  void oneTenantCannotPreemptAnotherTenantsChosenRequestId() throws Exception {
    TaskRequest squat = t.submit(viaGateway("globex-key", "globex", "{\"action\":\"summarize\",\"request_id\":\"order-42\",\"payload\":{\"text\":\"squat\"}}"));
    String acmesId = ReservedNames.tenantScopedRequestId("acme", "order-42");
    TaskRequest direct = t.submit(globexAgent.sign(Submission.of("globex", "summarize").requestId(acmesId)
        .payload("{\"text\":\"squat\"}").toRequest(t.now().toEpochMilli())));
    t.advance(Duration.ofSeconds(1));
    TaskRequest mine = t.submit(viaGateway("acme-billing", "acme", "{\"action\":\"summarize\",\"request_id\":\"order-42\",\"payload\":{\"text\":\"mine\"}}"));

    List<String> routedTenants = t.routed.readValuesToList().stream().map(r -> r.getRequest().getTenantId()).toList();
    assertEquals(List.of("globex", "acme"), routedTenants, "acme's request, accepted by the gateway, must not be pre-empted by globex");
    assertEquals(acmesId, mine.getRequestId());
    assertEquals(ReservedNames.tenantScopedRequestId("globex", "order-42"), squat.getRequestId());
    BlockedTask refused = t.blocked.readValue();
    assertEquals(direct.getRequestId(), refused.getRequest().getRequestId());
    assertEquals("UNAUTHORIZED", refused.getReason());
    assertTrue(refused.getDetail().contains("scoped to tenant acme"), refused.getDetail());
    List<RequestStatus> acmesStatuses = t.status.readKeyValuesToList().stream().filter(kv -> kv.key.equals(acmesId)).map(kv -> kv.value).toList();
    assertEquals(List.of("acme"), acmesStatuses.stream().map(RequestStatus::getTenantId).distinct().toList(),
        "no status of globex's is ever written under acme's id");
    assertEquals("ROUTED", acmesStatuses.get(acmesStatuses.size() - 1).getOutcome());
    assertEquals(1, t.audits("SECURITY_EVENT").size(), "the direct attempt is audited");
  }

  /** A tenant's own retry with its chosen id (same payload) is the same request: it runs once; another payload under it is refused. */
  @Test
  void aTenantsRetryWithItsChosenIdRunsOnce() throws Exception {
    String body = "{\"action\":\"summarize\",\"request_id\":\"order-42\",\"payload\":{\"text\":\"mine\"}}";
    TaskRequest first = t.submit(viaGateway("acme-billing", "acme", body));
    t.advance(Duration.ofSeconds(5));
    TaskRequest retry = t.submit(viaGateway("acme-billing", "acme", body));
    t.advance(Duration.ofSeconds(5));
    t.submit(viaGateway("acme-billing", "acme", body.replace("mine", "other")));

    assertEquals(first.getRequestId(), retry.getRequestId());
    assertEquals(List.of(first.getRequestId()), t.routedIds(), "a retry is not a new run");
    assertEquals("ROUTED", t.status.readKeyValuesToMap().get(first.getRequestId()).getOutcome(), "and its outcome stays the first one's");
  }
}
