package io.fabric.policy.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.contracts.BlockedTask;
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
import io.fabric.schemas.topics.ReservedNames;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Red team (red4) of "request ids you choose are your tenant's": a registered submitter of tenant
 * globex writing the ingress directly, signed, tries to take acme's scoped id {@code tenant:acme:ID}
 * by getting its own record refused for a reason that claims the id (a scope, a stale signature),
 * or through the gateway by sending an already scoped id of another tenant.
 */
class RedTeamRequestIdScopeTopologyTest {
  private static final Instant NOW = Instant.parse("2026-12-01T06:00:00Z");
  private static final KeyPair GATEWAY = ApproverKeys.newKeyPair();
  private static final KeyPair GLOBEX = ApproverKeys.newKeyPair();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ACMES_ID = ReservedNames.tenantScopedRequestId("acme", "order-42");

  @TempDir
  Path stateDir;

  private GateDriver t;
  private final RequestSigner gateway = new RequestSigner("gateway", GATEWAY.getPrivate());
  private final RequestSigner globexAgent = new RequestSigner("globex-agent", GLOBEX.getPrivate());

  @BeforeEach
  void start() {
    ApproverRegistry submitters = ApproverRegistry.of(
        new Approver("gateway", GATEWAY.getPublic(), Set.of(ReservedNames.GATEWAY_SCOPE, "*"), Set.of("*")),
        new Approver("globex-agent", GLOBEX.getPublic(), Set.of("summarize"), Set.of("globex")));
    t = new GateDriver(new PolicyGate(PolicyFile.builder().build(), new SignedTokenVerifier(ApproverRegistry.of()),
        new SubmitterVerifier(submitters)), Duration.ofSeconds(1), stateDir, NOW);
  }

  @AfterEach
  void close() {
    t.close();
  }

  private TaskRequest viaGateway(String keyHolder, String tenant, String body) throws Exception {
    return gateway.sign(TaskBodyParser.parse(JSON.readTree(body), new Caller(keyHolder, Set.of(tenant)), null, t.now().toEpochMilli())
        .request().orElseThrow());
  }

  private TaskRequest acmesOrder() throws Exception {
    return t.submit(viaGateway("acme-billing", "acme", "{\"action\":\"summarize\",\"request_id\":\"order-42\",\"payload\":{\"text\":\"mine\"}}"));
  }

  private void assertAcmesOrderRanUntouched(TaskRequest mine) {
    assertEquals(ACMES_ID, mine.getRequestId());
    assertEquals(List.of(ACMES_ID), t.routedIds(), "acme's request with its chosen id must run");
    List<RequestStatus> statuses = t.status.readKeyValuesToList().stream().filter(kv -> kv.key.equals(ACMES_ID)).map(kv -> kv.value).toList();
    assertEquals(List.of("ROUTED"), statuses.stream().map(RequestStatus::getOutcome).toList(),
        "no status but acme's own is written under acme's id");
  }

  /**
   * The scope check ran after the submitter check, and a submitter's own signed request refused for
   * its scope claims its id: globex's agent naming tenant acme (which it may not act for) and acme's
   * scoped id took the id and wrote BLOCKED under it, so acme's own order-42 never ran.
   */
  @Test
  void aSubmitterCannotClaimAnotherTenantsScopedIdByNamingThatTenant() throws Exception {
    t.submit(globexAgent.sign(Submission.of("acme", "summarize").requestId(ACMES_ID).payload("{\"text\":\"squat\"}")
        .toRequest(t.now().toEpochMilli())));
    t.advance(Duration.ofSeconds(1));

    assertAcmesOrderRanUntouched(acmesOrder());
    assertEquals(ACMES_ID, t.blocked.readValue().getRequest().getRequestId(), "the squat is refused");
    assertTrue(t.audits("SECURITY_EVENT").size() >= 1, "and audited");
  }

  /** As above, with globex's own tenant and a refusal for the action (outside its scope). */
  @Test
  void aSubmitterCannotClaimAnotherTenantsScopedIdWithARequestRefusedForItsAction() throws Exception {
    t.submit(globexAgent.sign(Submission.of("globex", "send_email").requestId(ACMES_ID).payload("{\"text\":\"squat\"}")
        .toRequest(t.now().toEpochMilli())));
    t.advance(Duration.ofSeconds(1));

    assertAcmesOrderRanUntouched(acmesOrder());
  }

  /** As above, with a signature made an hour ago: refused as stale, which also claimed the id. */
  @Test
  void aSubmitterCannotClaimAnotherTenantsScopedIdWithAStaleSignature() throws Exception {
    t.submit(globexAgent.sign(Submission.of("globex", "summarize").requestId(ACMES_ID).payload("{\"text\":\"squat\"}")
        .toRequest(t.now().minus(Duration.ofHours(1)).toEpochMilli())));
    t.advance(Duration.ofSeconds(1));

    assertAcmesOrderRanUntouched(acmesOrder());
  }

  /** Held: an already scoped id of another tenant sent through the gateway is scoped again, to the caller's tenant. */
  @Test
  void aScopedIdOfAnotherTenantSentThroughTheGatewayBecomesTheCallersOwn() throws Exception {
    TaskRequest squat = t.submit(viaGateway("globex-key", "globex",
        "{\"action\":\"summarize\",\"request_id\":\"" + ACMES_ID + "\",\"payload\":{\"text\":\"squat\"}}"));
    t.advance(Duration.ofSeconds(1));
    TaskRequest mine = acmesOrder();

    assertEquals("tenant:globex:" + ACMES_ID, squat.getRequestId());
    assertEquals(List.of(squat.getRequestId(), ACMES_ID), t.routedIds());
    assertEquals(ACMES_ID, mine.getRequestId());
  }

  /**
   * The gateway makes a chosen id's flow the id itself ({@code tenant:acme:order-42}), and flows belong to the
   * first tenant that uses them: globex, through the gateway with its own key, named that flow first, so acme's
   * order-42 was blocked TENANT_MISMATCH and never ran. The id was scoped, its flow was not.
   */
  @Test
  void anotherTenantCannotPreemptAChosenIdByTakingItsFlowFirst() throws Exception {
    TaskRequest squat = t.submit(viaGateway("globex-key", "globex",
        "{\"action\":\"summarize\",\"flow_id\":\"" + ACMES_ID + "\",\"payload\":{\"text\":\"squat\"}}"));
    t.advance(Duration.ofSeconds(1));

    assertAcmesOrderRanUntouched(acmesOrder());
    BlockedTask refused = t.blocked.readValue();
    assertEquals(squat.getRequestId(), refused.getRequest().getRequestId());
    assertEquals("UNAUTHORIZED", refused.getReason(), "a flow scoped to another tenant is refused like such an id");
  }

  /**
   * The same through the flow as an oracle: globex naming acme's scoped id as its flow learnt whether acme had
   * used the id (TENANT_MISMATCH after acme's request, ROUTED before). Now both answers are the same refusal.
   */
  @Test
  void anotherTenantCannotLearnWhetherAChosenIdWasUsedThroughItsFlow() throws Exception {
    acmesOrder();
    t.advance(Duration.ofSeconds(1));
    TaskRequest probe = t.submit(globexAgent.sign(Submission.of("globex", "summarize").flowId(ACMES_ID)
        .payload("{\"text\":\"probe\"}").toRequest(t.now().toEpochMilli())));
    TaskRequest unusedProbe = t.submit(globexAgent.sign(Submission.of("globex", "summarize").flowId("tenant:acme:order-43")
        .payload("{\"text\":\"probe\"}").toRequest(t.now().toEpochMilli())));

    java.util.Map<String, String> reasons = new java.util.HashMap<>();
    t.status.readKeyValuesToList().forEach(kv -> reasons.put(kv.key, kv.value.getOutcome() + "/" + kv.value.getReason()));
    assertEquals(reasons.get(unusedProbe.getRequestId()), reasons.get(probe.getRequestId()),
        "a used and an unused id of acme look the same to globex: " + reasons);
  }

  /**
   * An unscoped id is first come first served, and a reuse is audited naming both requests; but the event is
   * filed under the reuser's tenant, which reads its own audit events (GET /v1/audit/events): globex, reusing an
   * id acme had taken, read acme's tenant, flow and action in the detail. The detail names another tenant's
   * request only as that.
   */
  @Test
  void aReusedUnscopedIdTellsTheReuserNothingAboutAnotherTenantsRequest() throws Exception {
    t.submit(gateway.sign(Submission.of("acme", "summarize").requestId("order-7").flowId("acme-secret-flow")
        .payload("{\"text\":\"mine\"}").toRequest(t.now().toEpochMilli())));
    t.submit(globexAgent.sign(Submission.of("globex", "summarize").requestId("order-7").payload("{\"text\":\"probe\"}")
        .toRequest(t.now().toEpochMilli())));

    List<io.fabric.contracts.AuditEvent> globexEvents = t.audit.readValuesToList().stream()
        .filter(e -> "globex".equals(e.getTenantId())).toList();
    assertTrue(globexEvents.stream().anyMatch(e -> e.getType().equals("SECURITY_EVENT")), "the reuse is audited: " + globexEvents);
    globexEvents.forEach(e -> assertTrue(!String.valueOf(e.getDetail()).contains("acme"),
        "globex's own audit event names nothing of acme's request: " + e.getDetail()));
  }

  /** Held: an id that fits the limit alone but not with the tenant's prefix is refused, not cut to collide with another. */
  @Test
  void aChosenIdPushedPastTheLimitByItsPrefixIsRefusedNotTruncated() throws Exception {
    String longId = "a".repeat(128);
    TaskBodyParser.Parsed parsed = TaskBodyParser.parse(JSON.readTree("{\"action\":\"summarize\",\"request_id\":\"" + longId + "\"}"),
        new Caller("globex-key", Set.of("globex")), null, t.now().toEpochMilli());

    assertTrue(parsed.request().isEmpty(), "refused");
    assertEquals("request_id", parsed.errors().get(0).field(), parsed.errors().toString());
  }
}
