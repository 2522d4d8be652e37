package io.fabric.cli;

import io.fabric.policy.Policy;
import io.fabric.policy.PolicyException;
import io.fabric.policy.QuorumFeasibility;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.approvals.SignedTokenVerifier;
import io.fabric.policy.approvals.TokenVerifier;
import java.nio.file.Path;

/** Builds the token verifier from an approver registry file and the policy it serves. */
final class ApproverSetup {
  private ApproverSetup() {}

  /**
   * Loads the registry, refuses a policy quorum its approvers could never meet, and verifies tokens
   * against the policy's maximum token lifetime.
   *
   * @throws PolicyException when a configured quorum cannot be met
   * @throws ApproverRegistry.InvalidRegistryException when the registry file is invalid
   */
  static TokenVerifier verifier(Path registryFile, Policy policy) {
    ApproverRegistry registry = ApproverRegistry.load(registryFile);
    try {
      QuorumFeasibility.check(policy, registry);
    } catch (PolicyException e) {
      throw new PolicyException("the policy asks more of approver registry " + registryFile + " than it can give: " + e.getMessage());
    }
    return new SignedTokenVerifier(registry, policy.approvals().maxTokenLifetime());
  }
}
