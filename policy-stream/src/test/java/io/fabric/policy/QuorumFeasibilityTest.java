package io.fabric.policy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.ApproverRegistry;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QuorumFeasibilityTest {
  private static Approver approver(String name, Set<String> actions, Set<String> tenants) {
    return new Approver(name, ApproverKeys.newKeyPair().getPublic(), actions, tenants);
  }

  private static final Approver ALICE = approver("alice", Set.of("*"), Set.of("*"));
  private static final Approver BOB = approver("bob", Set.of("send_whatsapp"), Set.of("*"));
  private static final Approver CAROL = approver("carol", Set.of("create_charge"), Set.of("acme"));

  @Test
  void aQuorumLargerThanEveryoneWhoMayApproveTheActionIsRefused() {
    // Given a quorum of 3 for create_charge, which only alice and carol may approve
    Policy policy = PolicyFile.parse("approvals:\n  actions:\n    create_charge: { quorum: 3 }\n");
    ApproverRegistry registry = ApproverRegistry.of(ALICE, BOB, CAROL);

    // When the fabric checks the policy against the registry at start
    PolicyException e = assertThrows(PolicyException.class, () -> QuorumFeasibility.check(policy, registry));

    // Then it is refused, naming the action, the quorum and who can approve it
    assertEquals("approvals.actions.create_charge.quorum is 3, but at most 2 registered approvers can approve create_charge"
        + " for any one tenant (alice, carol [acme]): no request for it could ever be released", e.getMessage());
  }

  @Test
  void aQuorumThatTheApproversOfOneTenantCanMeetIsAccepted() {
    Policy policy = PolicyFile.builder().quorum("create_charge", 2).quorum("send_whatsapp", 2).build();

    assertDoesNotThrow(() -> QuorumFeasibility.check(policy, ApproverRegistry.of(ALICE, BOB, CAROL)));
  }

  @Test
  void approversSplitAcrossTenantsCannotMeetAQuorumTogether() {
    // Given two approvers of create_charge, each for a different tenant
    Approver dave = approver("dave", Set.of("create_charge"), Set.of("globex"));
    Policy policy = PolicyFile.builder().quorum("create_charge", 2).build();

    // When checked, Then no tenant's request could gather two approvals
    PolicyException e = assertThrows(PolicyException.class, () -> QuorumFeasibility.check(policy, ApproverRegistry.of(CAROL, dave)));
    assertEquals("approvals.actions.create_charge.quorum is 2, but at most 1 registered approver can approve create_charge"
        + " for any one tenant (carol [acme], dave [globex]): no request for it could ever be released", e.getMessage());
  }

  @Test
  void aQuorumNobodyMayApproveNamesNobody() {
    Policy policy = PolicyFile.builder().quorum("publish_content", 1).build();

    PolicyException e = assertThrows(PolicyException.class, () -> QuorumFeasibility.check(policy, ApproverRegistry.of(BOB)));

    assertEquals("approvals.actions.publish_content.quorum is 1, but at most 0 registered approvers can approve publish_content"
        + " for any one tenant (nobody): no request for it could ever be released", e.getMessage());
  }

  @Test
  void thePolicysDefaultQuorumsAreNotChecked() {
    assertDoesNotThrow(() -> QuorumFeasibility.check(Policy.defaults(), ApproverRegistry.of()));
  }
}
