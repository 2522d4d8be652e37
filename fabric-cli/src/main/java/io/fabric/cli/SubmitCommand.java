package io.fabric.cli;

import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.FabricClient;
import io.fabric.gateway.RequestSigner;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.gateway.Submission;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fabric submit}: put one request on the ingress topic and print its id. */
@Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a request; prints its request id.")
final class SubmitCommand implements Callable<Integer> {
  @Mixin
  ConnectionOptions kafka;

  @Option(names = "--tenant", required = true, description = "Tenant id.")
  String tenant;

  @Option(names = "--action", required = true, description = "Task type, e.g. summarize.")
  String action;

  @Option(names = "--payload", defaultValue = "{}", description = "JSON object, or @FILE to read it from a file.")
  String payload;

  @Option(names = "--flow", description = "Flow id to add this step to (default: a new flow).")
  String flow;

  @Option(names = "--idempotency-key", description = "Key that makes a retried submission a duplicate.")
  String idempotencyKey;

  @Option(names = "--approval-token", description = "Signed approval token (pre-approved request).")
  String approvalToken;

  @Option(names = "--final", description = "This step completes the flow.")
  boolean finalStep;

  @Option(names = "--key", paramLabel = "FILE",
      description = "Submitter private key (from fabric keys generate --submitter NAME): signs the request as NAME.")
  Path key;

  @Mixin
  OutputOptions output;

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    String json = payload.startsWith("@") ? Files.readString(Path.of(payload.substring(1))) : payload;
    Submission submission = Submission.of(tenant, action).payload(json).flowId(flow).idempotencyKey(idempotencyKey)
        .approvalToken(approvalToken).finalStep(finalStep).source("cli");
    try (FabricClient client = new FabricClient(kafka.connection(), kafka.catalog())) {
      if (key != null) {
        client.signedBy(new RequestSigner(ApproverKeys.approverOf(key), ApproverKeys.readPrivateKey(key)));
      }
      TaskRequest sent = client.submit(submission);
      if (output.json()) {
        spec.commandLine().getOut().println(Json.write(Map.of("request_id", sent.getRequestId(), "flow_id", sent.getFlowId())));
      } else {
        spec.commandLine().getOut().println(sent.getRequestId());
      }
    }
    return 0;
  }
}
