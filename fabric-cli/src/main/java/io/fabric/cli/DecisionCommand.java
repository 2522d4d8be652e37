package io.fabric.cli;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.policy.approvals.ApprovalDecision;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.policy.approvals.CanonicalPayload;
import io.fabric.policy.approvals.TokenSigner;
import io.fabric.policy.center.ApprovalCenter;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Shared body of {@code fabric approve} and {@code fabric reject}: sign a token for a pending
 * request and publish it. The payload being signed is printed first, and {@code --payload-sha256}
 * pins it to the one the approver read, so a payload swapped since is refused rather than signed.
 */
abstract class DecisionCommand implements Callable<Integer> {
  @Mixin
  ConnectionOptions kafka;

  @Parameters(paramLabel = "REQUEST_ID")
  String requestId;

  @Option(names = "--key", required = true, paramLabel = "FILE", description = "The approver's private key (NAME.key from `fabric keys generate`).")
  Path key;

  @Mixin
  OutputOptions output;

  @Option(names = "--payload-sha256", paramLabel = "HEX",
      description = "The payload digest you read in `fabric approvals show`; refuse to sign when the pending payload's differs.")
  String payloadSha256;

  @Option(names = "--token-only",
      description = "Sign and print the token only (for POST /v1/approvals/{id} on the HTTP gateway); publish nothing.")
  boolean tokenOnly;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  abstract ApprovalDecision decision();

  abstract String reason();

  @Override
  public Integer call() throws IOException {
    TokenSigner signer = new TokenSigner(ApproverKeys.approverOf(key), ApproverKeys.readPrivateKey(key));
    ApprovalCenter center = new ApprovalCenter(kafka.connection(), kafka.catalog());
    PendingApproval pending = center.find(requestId);
    ApprovalCenter.requirePayload(pending, payloadSha256);
    CanonicalPayload payload = CanonicalPayload.of(pending.getRequest().getPayload());
    if (tokenOnly) {
      spec.commandLine().getErr().printf("signing payload %s sha256=%s%n", payload.json(), payload.sha256Hex());
      ApprovalToken token = decision() == ApprovalDecision.APPROVE
          ? signer.approve(pending.getRequest(), reason())
          : signer.reject(pending.getRequest(), reason());
      spec.commandLine().getOut().println(io.fabric.policy.approvals.TokenCodec.encode(token));
      return 0;
    }
    if (!output.json()) {
      spec.commandLine().getOut().printf("signing payload %s sha256=%s%n", payload.json(), payload.sha256Hex());
      spec.commandLine().getOut().flush();
    }
    ApprovalToken token = center.decide(pending, signer, decision(), reason());
    Map<String, Object> shown = new LinkedHashMap<>();
    shown.put("decision", token.getDecision());
    shown.put("request_id", token.getRequestId());
    shown.put("tenant_id", token.getTenantId());
    shown.put("flow_id", token.getFlowId());
    shown.put("action", token.getAction());
    shown.put("payload", payload.json());
    shown.put("payload_sha256", token.getPayloadSha256());
    shown.put("approver", token.getApprover());
    shown.put("expires_at", Instant.ofEpochMilli(token.getExpiresAt()).toString());
    if (output.json()) {
      spec.commandLine().getOut().println(Json.write(shown));
    } else {
      spec.commandLine().getOut().printf("%s: %s %s for tenant %s (payload sha256 %s…), signed by %s, valid until %s%n",
          token.getDecision(), token.getAction(), token.getRequestId(), token.getTenantId(), token.getPayloadSha256().substring(0, 12),
          token.getApprover(), shown.get("expires_at"));
    }
    return 0;
  }

  @CommandLine.Command(name = "approve", mixinStandardHelpOptions = true, description = "Approve a pending request with a signed token.")
  static final class Approve extends DecisionCommand {
    @Option(names = "--reason", defaultValue = "", description = "Why (kept in the token and the audit trail).")
    String reason;

    @Override
    ApprovalDecision decision() {
      return ApprovalDecision.APPROVE;
    }

    @Override
    String reason() {
      return reason;
    }
  }

  @CommandLine.Command(name = "reject", mixinStandardHelpOptions = true, description = "Reject a pending request with a signed token.")
  static final class Reject extends DecisionCommand {
    @Option(names = "--reason", required = true, description = "Why (required for a rejection).")
    String reason;

    @Override
    ApprovalDecision decision() {
      return ApprovalDecision.REJECT;
    }

    @Override
    String reason() {
      return reason;
    }
  }
}
