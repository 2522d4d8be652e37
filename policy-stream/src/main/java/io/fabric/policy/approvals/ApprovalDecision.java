package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import java.util.Locale;
import java.util.Optional;

/**
 * What an approver decided, as carried in {@code ApprovalToken.decision}.
 *
 * <p>A correctly signed {@link #REJECT} is a <em>valid</em> token: verification only proves who
 * decided what; the gate turns a valid rejection into {@code APPROVAL_REJECTED}.
 */
public enum ApprovalDecision {
  APPROVE,
  REJECT;

  /** The decision named by {@code text} (case-insensitive), or empty when it names none. */
  public static Optional<ApprovalDecision> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(valueOf(text.trim().toUpperCase(Locale.ROOT)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * The decision of a token that {@link TokenVerifier#verify} found valid (which implies a known
   * decision).
   *
   * @throws IllegalArgumentException when the token names no known decision
   */
  public static ApprovalDecision of(ApprovalToken token) {
    return parse(token.getDecision()).orElseThrow(() -> new IllegalArgumentException(
        "unknown decision '" + token.getDecision() + "' (expected APPROVE or REJECT)"));
  }
}
