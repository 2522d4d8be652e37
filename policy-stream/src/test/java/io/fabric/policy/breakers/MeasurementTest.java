package io.fabric.policy.breakers;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RoutedTask;
import io.fabric.gateway.Submission;
import io.fabric.policy.PolicyFile;
import io.fabric.policy.escalation.ApprovalNotices;
import io.fabric.schemas.AvroSerde;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the breakers count: a failed escalation notice is the fabric's problem, never a dead letter that pauses the tenant. */
class MeasurementTest {
  private static final BreakerRules DEAD_LETTERS = new BreakerRules(List.of(new BreakerRule("dead", BreakerRule.Scope.TENANT,
      BreakerRule.Measure.DEAD_LETTERS, null, 1, Duration.ofMinutes(5), true)));

  private static DeadLetter deadLetterOf(RoutedTask task) {
    return DeadLetter.newBuilder().setId("d").setAt(1L).setStage("plugin:email").setReason("EXECUTION_FAILED")
        .setTenantId(task.getRequest().getTenantId()).setRequestId(task.getRequest().getRequestId()).setAction(task.getRequest().getAction())
        .setOriginalTopic("fabric.plugin.email.tasks").setOriginalPartition(0).setOriginalOffset(0)
        .setOriginalValue(ByteBuffer.wrap(AvroSerde.of(RoutedTask.class).serialize("fabric.plugin.email.tasks", task))).build();
  }

  @Test
  void aDeadLetteredNoticeIsNotCountedButATenantsOwnDeadLetterIs() {
    var policy = PolicyFile.parse("approver_groups:\n  ops: { notify: [ { plugin: email, to: ops@acme.test } ] }\nescalation: { default: [ops] }\n");
    var request = Submission.of("acme", "send_email").payload("{\"to\":\"a@b.c\",\"text\":\"x\"}").toRequest(1L);
    PolicyDecision decision = PolicyDecision.newBuilder().setActionClass("B").setRule("r").setPolicyVersion("v").setDecidedAt(1L).build();
    PendingApproval pending = PendingApproval.newBuilder().setRequest(request).setDecision(decision).setPendingSince(1L).setDeadline(2L)
        .setApprovalsNeeded(1).setApprovals(List.of()).setSlaWarned(false).build();
    RoutedTask notice = ApprovalNotices.forStep(pending, policy, 0, 1L).get(0);
    assertEquals(List.of(), Measurement.of(deadLetterOf(notice), DEAD_LETTERS));

    RoutedTask own = RoutedTask.newBuilder().setRequest(request).setDecision(decision).setApprovals(List.of()).build();
    assertEquals(1, Measurement.of(deadLetterOf(own), DEAD_LETTERS).size());
  }
}
