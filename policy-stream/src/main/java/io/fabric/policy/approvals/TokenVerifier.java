package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.TaskRequest;

/**
 * Decides whether an approval token proves that an allowed approver approved (or rejected) exactly
 * this request with exactly this payload. The policy gate calls it for tokens attached to a
 * request and for tokens published to {@code fabric.approvals}.
 */
public interface TokenVerifier {
  /** Parses the compact token string a request carries in {@code approval_token}. */
  ApprovalToken decode(String encodedToken) throws InvalidTokenException;

  /** Checks signature, approver scope, expiry and binding to the request; not single use (the gate's store does that). */
  TokenVerdict verify(ApprovalToken token, TaskRequest request, long nowMillis);

  /** The registered approver of this name, if this verifier knows approvers (a breaker reset is signed by one). */
  default java.util.Optional<Approver> approver(String name) {
    return java.util.Optional.empty();
  }

  /** The verdict on one token. */
  record TokenVerdict(boolean valid, String problem) {
    public static TokenVerdict ok() {
      return new TokenVerdict(true, null);
    }

    public static TokenVerdict invalid(String problem) {
      return new TokenVerdict(false, problem);
    }
  }

  /** A token string that cannot be parsed at all. */
  final class InvalidTokenException extends Exception {
    public InvalidTokenException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
