package io.fabric.gateway.http;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The approval center as the gateway serves it: what waits for a decision, and publishing a token an
 * approver signed elsewhere. The gateway holds no approver key; it only passes on a token that
 * verifies against the approver registry. {@code fabric run} plugs in the policy module's center and
 * verifier.
 */
public interface ApprovalDesk {
  /** A pending request: its tenant (for scoping) and what an approver reads ({@code fabric approvals show -o json}). */
  record Pending(String requestId, String tenantId, Map<String, Object> view) {}

  List<Pending> pending();

  /**
   * @throws java.util.NoSuchElementException when the request does not wait for approval
   * @throws IllegalStateException when the pending topic holds different entries for the id
   */
  Pending find(String requestId);

  /** Verifies the token against the pending request and publishes it once it does; otherwise says why not. */
  Optional<String> publishIfValid(String requestId, String encodedToken, long nowMillis);
}
