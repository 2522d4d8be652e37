package io.fabric.policy.topology;

import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.policy.identity.SubmitterVerifier;
import io.fabric.schemas.topics.ReservedNames;
import java.security.PublicKey;
import java.util.Set;

/** The submitter registry the replay red-team tests share: acme's support agent (summarize) and the DLQ replayer. */
final class ReplaySubmitters {
  private ReplaySubmitters() {}

  static SubmitterVerifier agentAndReplayer(PublicKey agent, PublicKey replayer) {
    return new SubmitterVerifier(ApproverRegistry.of(
        new Approver("support-agent", agent, Set.of("summarize"), Set.of("acme")),
        new Approver("dlq-replayer", replayer, Set.of(ReservedNames.REPLAY_SCOPE, "*"), Set.of("*"))));
  }
}
