package io.fabric.policy.topology;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.TokenVerifier;
import java.nio.ByteBuffer;

/**
 * A verifier for topology tests: the token text is {@code approver:nonce:DECISION:requestId}; a
 * token is valid when it names the request and the approver is not "mallory". The real
 * cryptography has its own tests.
 */
final class FakeTokens implements TokenVerifier {
  static String token(String approver, String nonce, String decision, String requestId) {
    return approver + ":" + nonce + ":" + decision + ":" + requestId;
  }

  static ApprovalToken parse(String text, String flowId) {
    String[] parts = text.split(":");
    return ApprovalToken.newBuilder().setApprover(parts[0]).setNonce(parts[1]).setDecision(parts[2]).setRequestId(parts[3])
        .setTenantId("").setFlowId(flowId).setAction("").setPayloadSha256("").setReason("").setIssuedAt(0).setExpiresAt(Long.MAX_VALUE)
        .setSignature(ByteBuffer.allocate(0)).build();
  }

  @Override
  public ApprovalToken decode(String encodedToken) throws InvalidTokenException {
    if (encodedToken.split(":").length != 4) {
      throw new InvalidTokenException("not a token", null);
    }
    return parse(encodedToken, "");
  }

  @Override
  public TokenVerdict verify(ApprovalToken token, TaskRequest request, long nowMillis) {
    if (token.getApprover().equals("mallory")) {
      return TokenVerdict.invalid("unknown approver mallory");
    }
    if (!token.getRequestId().equals(request.getRequestId())) {
      return TokenVerdict.invalid("token is for request " + token.getRequestId());
    }
    return TokenVerdict.ok();
  }
}
