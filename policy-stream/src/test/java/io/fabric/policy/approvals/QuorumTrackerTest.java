package io.fabric.policy.approvals;

import static io.fabric.policy.approvals.ApprovalDecision.APPROVE;
import static io.fabric.policy.approvals.ApprovalDecision.REJECT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.fabric.policy.approvals.QuorumTracker.Outcome;
import io.fabric.policy.approvals.QuorumTracker.Status;
import java.util.List;
import org.junit.jupiter.api.Test;

class QuorumTrackerTest {
  @Test
  void oneApprovalReleasesASingleApproverRequest() {
    Outcome outcome = QuorumTracker.requiring(1).record("alice", APPROVE);

    assertEquals(Status.RELEASED, outcome.status());
    assertEquals("approved by alice (1 of 1)", outcome.note());
  }

  @Test
  void twoOfThreeWaitsForTheSecondDistinctApprover() {
    Outcome first = QuorumTracker.requiring(2).record("alice", APPROVE);
    Outcome second = first.tracker().record("bob", APPROVE);

    assertEquals(Status.WAITING, first.status());
    assertEquals("approved by alice; 1 of 2 approvals, waiting for 1 more", first.note());
    assertEquals(Status.RELEASED, second.status());
    assertEquals(List.of("alice", "bob"), second.tracker().approvedBy());
    assertEquals("approved by alice, bob (2 of 2)", second.note());
  }

  @Test
  void theSameApproverTwiceIsNotCountedAndIsReported() {
    QuorumTracker afterAlice = QuorumTracker.requiring(2).record("alice", APPROVE).tracker();

    Outcome again = afterAlice.record("alice", APPROVE);

    assertEquals(Status.NOT_COUNTED, again.status());
    assertSame(afterAlice, again.tracker());
    assertEquals(1, again.tracker().remaining());
    assertEquals("approver alice already approved this request; an approver counts once toward the quorum (1 of 2)", again.note());
  }

  @Test
  void anyValidRejectionRejectsEvenAfterApprovals() {
    Outcome rejected = QuorumTracker.requiring(3).record("alice", APPROVE).tracker().record("alice", REJECT);

    assertEquals(Status.REJECTED, rejected.status());
    assertEquals("rejected by alice", rejected.note());
  }

  @Test
  void restoredFromTheGateStoreItKeepsCounting() {
    QuorumTracker restored = QuorumTracker.restore(3, List.of("alice", "bob", "alice"));

    assertEquals(List.of("alice", "bob"), restored.approvedBy());
    assertEquals(Status.NOT_COUNTED, restored.record("bob", APPROVE).status());
    assertEquals(Status.RELEASED, restored.record("carol", APPROVE).status());
  }

  @Test
  void nothingCountsOnceTheQuorumIsReached() {
    Outcome late = QuorumTracker.restore(1, List.of("alice")).record("bob", APPROVE);

    assertEquals(Status.NOT_COUNTED, late.status());
    assertEquals("the request already has its 1 approval(s); bob's approve is not counted", late.note());
  }

  @Test
  void countsVerifiedTokens() {
    var token = ApprovalFixtures.signer("alice", ApprovalFixtures.ALICE_KEYS).approve(ApprovalFixtures.chargeRequest(), "");

    assertEquals(Status.RELEASED, QuorumTracker.requiring(1).record(token).status());
  }

  @Test
  void restoredFromStoredTokensCountsTheirApprovers() {
    var request = ApprovalFixtures.chargeRequest();
    var alices = ApprovalFixtures.signer("alice", ApprovalFixtures.ALICE_KEYS).approve(request, "");
    var alicesSecond = ApprovalFixtures.signer("alice", ApprovalFixtures.ALICE_KEYS).approve(request, "");

    QuorumTracker tracker = QuorumTracker.fromTokens(2, List.of(alices));

    assertEquals(Status.NOT_COUNTED, tracker.record(alicesSecond).status());
  }

  @Test
  void aQuorumNeedsAtLeastOneApproval() {
    assertThrows(IllegalArgumentException.class, () -> QuorumTracker.requiring(0));
  }
}
