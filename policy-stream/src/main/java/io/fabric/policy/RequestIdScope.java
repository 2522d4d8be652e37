package io.fabric.policy;

import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.topics.ReservedNames;
import java.util.Optional;
import java.util.function.BiPredicate;

/**
 * Who may use a request id. An id scoped to a tenant ({@link ReservedNames#tenantScopedRequestId},
 * what the HTTP gateway makes of a caller-chosen {@code request_id}) belongs to that tenant alone: a
 * request of another tenant naming it is refused before it can claim the id, so it can neither take
 * an id the owner will use nor write that id's status. Ids without the prefix are unique across
 * tenants, first come first served, as they always were ({@link RequestIds}).
 */
public final class RequestIdScope {
  private RequestIdScope() {}

  /** The tenant that owns the request's id when that is not the request's tenant; empty when the request may use it. */
  public static Optional<String> foreignOwner(TaskRequest request) {
    return ReservedNames.tenantOfRequestId(request.getRequestId()).filter(owner -> !owner.equals(request.getTenantId()));
  }

  /**
   * The tenant that owns the request's flow id when that is not the request's tenant; empty when the request
   * may use it. A flow named like a scoped id is that tenant's too: the gateway gives a request with a chosen id
   * and no flow the id itself as its flow ({@code tenant:acme:order-42}), and a flow belongs to the first tenant
   * whose request the gate routes or parks in it, so another tenant taking that flow first would have acme's
   * request blocked {@code TENANT_MISMATCH} (and could learn from its own verdict whether acme used the id).
   */
  public static Optional<String> foreignFlowOwner(TaskRequest request) {
    return ReservedNames.tenantOfRequestId(request.getFlowId()).filter(owner -> !owner.equals(request.getTenantId()));
  }

  /**
   * Whether a signed request refused where it entered (for its time or scope) may still take its id,
   * so that the same bytes never run later. An id scoped to a tenant is taken only by a submitter whose
   * scope covers that tenant: otherwise any registered submitter could squat {@code tenant:T:ID} by
   * getting its own record refused (naming tenant T, an action outside its scope, a stale signature),
   * and T's request with that id would never run.
   *
   * @param submitterMayActFor whether a submitter (by name) may act for a tenant
   */
  public static boolean refusalMayClaim(TaskRequest request, BiPredicate<String, String> submitterMayActFor) {
    return ReservedNames.tenantOfRequestId(request.getRequestId())
        .map(owner -> submitterMayActFor.test(request.getSubmitter(), owner))
        .orElse(true);
  }

  static String detail(TaskRequest request, String owner) {
    return "request id " + request.getRequestId() + " is scoped to tenant " + owner + " (" + ReservedNames.TENANT_SCOPED_ID_PREFIX
        + "TENANT:ID); tenant " + request.getTenantId() + " may not use it, so this record claims nothing and writes no status";
  }

  static String flowDetail(TaskRequest request, String owner) {
    return "flow " + request.getFlowId() + " is scoped to tenant " + owner + " (" + ReservedNames.TENANT_SCOPED_ID_PREFIX
        + "TENANT:ID, the flow the gateway gives a chosen request id); tenant " + request.getTenantId() + " may not add steps to it";
  }
}
