package io.fabric.policy;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.TokenVerifier;

/** Used when no approver registry is configured: no token can be trusted, so every token is invalid. */
public final class NoApproverRegistry implements TokenVerifier {
  static final String PROBLEM = "no approver registry is configured (fabric run --approvers FILE), so no token can be verified";

  @Override
  public ApprovalToken decode(String encodedToken) throws InvalidTokenException {
    throw new InvalidTokenException(PROBLEM, null);
  }

  @Override
  public TokenVerdict verify(ApprovalToken token, TaskRequest request, long nowMillis) {
    return TokenVerdict.invalid(PROBLEM);
  }
}
