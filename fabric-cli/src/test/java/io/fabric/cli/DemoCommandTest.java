package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The README's first command: `fabric demo` ends every scripted request where the policy says and exits 0. */
@Tag("integration")
class DemoCommandTest {
  @Test
  void theDemoPrintsItsOutcomeTableAndExitsZero() {
    CliRun run = CliRun.of("demo");

    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("every request ended where the policy says it must"), run.toString());
    for (String outcome : new String[] {"EXECUTED", "PENDING_APPROVAL", "FORBIDDEN", "INVALID_REQUEST", "DUPLICATE", "TENANT_MISMATCH",
        "APPROVAL_REJECTED", "APPROVAL_EXPIRED", "UNDECODABLE", "UNKNOWN_TASK_TYPE", "EXECUTION_FAILED", "3 attempts", "COMPLETED",
        "ROLLED_BACK", "1 WhatsApp message(s), 1 LinkedIn post(s), 2 charge(s), 1 refund(s)"}) {
      assertTrue(run.out().contains(outcome), outcome + " missing from\n" + run);
    }
    assertTrue(run.out().contains("approver " + DemoCommand.APPROVER + " read: {\"text\":\"Your order shipped\",\"to\":\"+15550100\"} sha256="),
        "the approver reads the canonical payload before signing:\n" + run);
    assertTrue(run.out().matches("(?s).*approver read the payload +send_whatsapp +SIGNED +sha256 [0-9a-f]{12}… +yes.*"), run.toString());
    assertTrue(run.out().matches("(?s).*class B waits for approval +send_linkedin +PENDING_APPROVAL +yes.*"), run.toString());
    assertTrue(run.out().matches("(?s).*LinkedIn approved, posted +send_linkedin +EXECUTED +1 post +yes.*"),
        "a seed class-B action runs through its plugin against the sandbox, exactly once:\n" + run);
    assertTrue(run.out().matches("(?s).*agent's e-mail waits for approval +send_email +PENDING_APPROVAL +yes.*"), run.toString());
    assertTrue(run.out().matches("(?s).*agent approved, run finished +agent_run +EXECUTED +completed, 3 turns +yes.*"),
        "the demo's agent proposes a class-B e-mail, waits for the approval and finishes:\n" + run);
    assertTrue(run.out().matches("(?s).*unsigned request +summarize +BLOCKED +UNAUTHENTICATED +yes.*"), run.toString());
    assertTrue(run.out().matches("(?s).*signed for another tenant +summarize +BLOCKED +UNAUTHORIZED +yes.*"), run.toString());
    assertTrue(run.out().matches("(?s).*forged fabric\\.rollback attribute +summarize +BLOCKED +INVALID_REQUEST +yes.*"),
        "a reserved attribute from a raw producer is refused at the gate:\n" + run);
  }
}
