package io.fabric.gateway.http;

import java.util.Optional;

/**
 * What the console's flow pages read besides the latest checkpoint: every revision of a flow
 * ({@code fabric flows show --history -o json}) and a request's path through the fabric
 * ({@code fabric trace -o json}). Each answer carries its tenant, for the gateway to scope it.
 */
public interface FlowHistory {
  /** An answer and the tenant it belongs to. */
  record Scoped(String tenantId, Object view) {}

  /** Every revision of the flow, oldest first; empty when it has none. */
  Optional<Scoped> revisions(String flowId);

  /** The request's hops; empty when the request is unknown. */
  Optional<Scoped> trace(String requestId);
}
