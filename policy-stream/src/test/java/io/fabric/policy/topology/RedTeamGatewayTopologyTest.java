package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.gateway.Submission;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
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

  @TempDir
  Path stateDir;

  private GateDriver t;
  private final RequestSigner agent = new RequestSigner("support-agent", AGENT.getPrivate());
  private final RequestSigner gateway = new RequestSigner("gateway", GATEWAY.getPrivate());
  private final RequestSigner replayer = new RequestSigner("dlq-replayer", REPLAYER.getPrivate());

  @BeforeEach
  void start() {
    ApproverRegistry submitters = ApproverRegistry.of(
        new Approver("gateway", GATEWAY.getPublic(), Set.of("*"), Set.of("*")),
        new Approver("support-agent", AGENT.getPublic(), Set.of("summarize"), Set.of("acme")),
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

  /**
   * README: "the caller's name travels in the attribute gateway.principal, covered by the gateway's
   * signature; a body that sets it is refused". Only the HTTP body is checked: the gate reserves only
   * {@code fabric.*}, so any registered submitter producing to fabric.tasks.ingress may sign a request
   * that names an API-key holder of its choosing as the principal, and it runs. The attribute then
   * attributes an action to a caller who never made it (audit, downstream plugins reading it).
   */
  @Test
  @Disabled("red-team: any registered submitter can set gateway.principal on ingress; only the gateway's own body parser refuses it")
  void onlyTheGatewaysSubmitterMayNameAGatewayPrincipal() {
    TaskRequest forged = t.submit(agent.sign(request("acme", "summarize",
        Map.of(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE, "acme-billing"))));

    assertEquals(List.of(), t.routedIds(), "a request naming a gateway principal must come from the gateway's submitter");
    assertEquals("BLOCKED", t.status.readKeyValuesToMap().get(forged.getRequestId()).getOutcome());
  }

  /**
   * A signed replay is not single-use: the same record (captured off fabric.tasks.replays, or sent
   * twice by a confused tool) is admitted as a REPLAY each time inside its 10-minute freshness window
   * and routed again. README documents this ("not single-use by itself ... Kafka ACLs must keep others
   * from writing fabric.tasks.replays"), so the guarantee rests entirely on ACLs and on the replayer's
   * ledger; the gate could remember (dead letter id, generation) and refuse a second use.
   */
  @Test
  @Disabled("red-team (documented limit): one captured signed replay record runs again each time it is re-sent within 10 minutes")
  void oneSignedReplayRunsOnce() {
    TaskRequest first = t.submit(agent.sign(request("acme", "summarize", Map.of())));
    assertEquals(List.of(first.getRequestId()), t.routedIds());
    Instant later = t.advance(Duration.ofHours(1));
    ReplayLineage lineage = ReplayLineage.newBuilder().setDeadLetterId("dl-1").setGeneration(1).setReplayedAt(later.toEpochMilli())
        .setReplayedBy("ops@host").setOriginalSubmitter(first.getSubmitter()).build();
    TaskRequest replay = replayer.sign(TaskRequest.newBuilder(first).setReplay(lineage).build());

    t.replays.pipeInput(IngressKey.of(replay), replay, t.now());
    t.advance(Duration.ofMinutes(1));
    t.replays.pipeInput(IngressKey.of(replay), TaskRequest.newBuilder(replay).build(), t.now()); // the captured copy
    t.advance(Duration.ofMinutes(1));
    t.replays.pipeInput(IngressKey.of(replay), TaskRequest.newBuilder(replay).build(), t.now());

    assertEquals(List.of(first.getRequestId()), t.routedIds(), "one signed replay record must run once");
  }

  /**
   * {@code POST /v1/tasks} lets a caller choose {@code request_id}, and ids are unique across tenants
   * (the first claims it). So the holder of tenant A's key can pre-empt an id tenant B will use (an
   * order number, a deterministic id from B's code): B's request, which the gateway answered 202, is
   * refused as a reuse, writes no status B can read (B's GET is a 404, the id's status is A's), and
   * never runs. The same refusal is an existence oracle: A submits id X and reads X back; a 404 means
   * another tenant already holds X. Ids a caller chooses should be scoped by tenant (or refused).
   */
  @Test
  @Disabled("red-team: a caller-chosen request_id from tenant A pre-empts tenant B's request with that id (B got 202; it never runs, no status)")
  void oneTenantCannotPreemptAnotherTenantsChosenRequestId() {
    t.submit(gateway.sign(Submission.of("globex", "summarize").requestId("order-42").payload("{\"text\":\"squat\"}")
        .attributes(Map.of(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE, "globex-key")).toRequest(NOW.toEpochMilli())));
    t.advance(Duration.ofSeconds(1));
    t.submit(gateway.sign(Submission.of("acme", "summarize").requestId("order-42").payload("{\"text\":\"mine\"}")
        .attributes(Map.of(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE, "acme-billing")).toRequest(t.now().toEpochMilli())));

    List<String> routedTenants = t.routed.readValuesToList().stream().map(r -> r.getRequest().getTenantId()).toList();
    assertEquals(List.of("globex", "acme"), routedTenants, "acme's request, accepted by the gateway, must not be pre-empted by globex");
  }
}
