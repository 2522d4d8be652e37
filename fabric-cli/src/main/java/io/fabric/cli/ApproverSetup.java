package io.fabric.cli;

import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.approvals.TokenVerifier;
import java.nio.file.Path;

/** Builds the token verifier from an approver registry file. */
final class ApproverSetup {
  private ApproverSetup() {}

  static TokenVerifier verifier(Path registryFile) {
    return new SignedTokenVerifier(ApproverRegistry.load(registryFile));
  }
}
