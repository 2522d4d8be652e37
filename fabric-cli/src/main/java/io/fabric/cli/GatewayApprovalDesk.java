package io.fabric.cli;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.gateway.http.ApprovalDesk;
import io.fabric.policy.approvals.TokenVerifier;
import io.fabric.policy.center.ApprovalCenter;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The approval center behind {@code GET/POST /v1/approvals}: the same listing as
 * {@code fabric approvals list -o json}, and a token published only once the approver registry's
 * verifier accepts it for exactly the pending request (the gate checks it again when it reads it).
 */
final class GatewayApprovalDesk implements ApprovalDesk {
  private final ApprovalCenter center;
  private final TokenVerifier verifier;

  GatewayApprovalDesk(ApprovalCenter center, TokenVerifier verifier) {
    this.center = center;
    this.verifier = verifier;
  }

  @Override
  public List<Pending> pending() {
    long now = System.currentTimeMillis();
    return center.pending(Optional.empty()).stream().map(p -> {
      Map<String, Object> view = ApprovalsCommand.describe(p.entry(), now);
      view.put("ambiguous", p.ambiguous());
      return new Pending(p.entry().getRequest().getRequestId(), p.entry().getRequest().getTenantId(), view);
    }).toList();
  }

  @Override
  public Pending find(String requestId) {
    PendingApproval pending = pendingEntry(requestId);
    return new Pending(requestId, pending.getRequest().getTenantId(), ApprovalsCommand.describe(pending, System.currentTimeMillis()));
  }

  @Override
  public Optional<String> publishIfValid(String requestId, String encodedToken, long nowMillis) {
    PendingApproval pending = pendingEntry(requestId);
    ApprovalToken token;
    try {
      token = verifier.decode(encodedToken);
    } catch (TokenVerifier.InvalidTokenException e) {
      return Optional.of("not a token: " + e.getMessage());
    }
    if (!requestId.equals(token.getRequestId())) {
      return Optional.of("the token is for request " + token.getRequestId() + ", not " + requestId);
    }
    TokenVerifier.TokenVerdict verdict = verifier.verify(token, pending.getRequest(), nowMillis);
    if (!verdict.valid()) {
      return Optional.of(verdict.problem());
    }
    center.publish(token);
    return Optional.empty();
  }

  private PendingApproval pendingEntry(String requestId) {
    try {
      return center.find(requestId);
    } catch (IllegalArgumentException notPending) {
      throw new NoSuchElementException(notPending.getMessage());
    }
  }
}
