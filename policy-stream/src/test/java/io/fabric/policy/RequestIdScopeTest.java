package io.fabric.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.Submission;
import io.fabric.schemas.topics.ReservedNames;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequestIdScopeTest {
  private static TaskRequest request(String tenant, String id) {
    return Submission.of(tenant, "summarize").requestId(id).toRequest(0);
  }

  @Test
  void aScopedIdBelongsToItsTenantOnly() {
    String acmes = ReservedNames.tenantScopedRequestId("acme", "order-42");

    assertEquals("tenant:acme:order-42", acmes);
    assertEquals(Optional.empty(), RequestIdScope.foreignOwner(request("acme", acmes)));
    assertEquals(Optional.of("acme"), RequestIdScope.foreignOwner(request("globex", acmes)));
    assertEquals(Optional.of("acme"), RequestIdScope.foreignOwner(request("acme.eu", acmes)), "a tenant name is matched whole, not as a prefix");
    assertEquals(Optional.of("acme.eu"), RequestIdScope.foreignOwner(request("acme", "tenant:acme.eu:order-42")));
  }

  @Test
  void aFlowNamedLikeAScopedIdBelongsToItsTenantOnly() {
    String acmes = ReservedNames.tenantScopedRequestId("acme", "order-42");

    assertEquals(Optional.empty(), RequestIdScope.foreignFlowOwner(Submission.of("acme", "summarize").flowId(acmes).toRequest(0)));
    assertEquals(Optional.of("acme"), RequestIdScope.foreignFlowOwner(Submission.of("globex", "summarize").flowId(acmes).toRequest(0)));
    assertEquals(Optional.of("acme"), RequestIdScope.foreignFlowOwner(request("globex", acmes)), "the flow the id gets by default");
    assertEquals(Optional.empty(), RequestIdScope.foreignFlowOwner(Submission.of("globex", "summarize").flowId("flow-30").toRequest(0)));
  }

  @Test
  void idsWithoutThePrefixStayFirstComeFirstServedAsBefore() {
    assertEquals(Optional.empty(), RequestIdScope.foreignOwner(request("globex", "order-42")));
    assertEquals(Optional.empty(), RequestIdScope.foreignOwner(request("globex", "urn:acme:order-42")));
    assertEquals(Optional.empty(), RequestIdScope.foreignOwner(request("globex", "5b7c1a86-0c8e-4a4b-9b54-1f3c35bd1a10")));
  }

  @Test
  void scopingIsIdempotentForTheSameTenant() {
    String once = ReservedNames.tenantScopedRequestId("acme", "order-42");
    assertEquals(once, ReservedNames.tenantScopedRequestId("acme", once));
    assertEquals("tenant:globex:" + once, ReservedNames.tenantScopedRequestId("globex", once), "another tenant's scoped id is only a name inside its own");
  }

  @Test
  void aRefusedSignedRequestTakesAScopedIdOnlyWhenItsSubmitterMayActForTheIdsTenant() {
    TaskRequest squat = Submission.of("acme", "summarize").requestId(ReservedNames.tenantScopedRequestId("acme", "order-42"))
        .toRequest(0L);
    squat.setSubmitter("globex-agent");
    TaskRequest unscoped = Submission.of("acme", "summarize").requestId("order-42").toRequest(0L);
    unscoped.setSubmitter("globex-agent");

    assertEquals(false, RequestIdScope.refusalMayClaim(squat, (submitter, tenant) -> tenant.equals("globex")));
    assertEquals(true, RequestIdScope.refusalMayClaim(squat, (submitter, tenant) -> tenant.equals("acme")));
    assertEquals(true, RequestIdScope.refusalMayClaim(unscoped, (submitter, tenant) -> false), "an unscoped id is first come first served");
  }
}
