package io.fabric.cli;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.CanonicalPayload;
import io.fabric.policy.center.ApprovalCenter;
import io.fabric.policy.identity.TenantScope;
import io.fabric.schemas.records.LatestByKeyReader;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code fabric approvals list|show}: what waits for a decision, with the canonical payload a
 * token would bind to, so an approver reads what they sign.
 */
@Command(name = "approvals", mixinStandardHelpOptions = true, description = "The approval center.",
    subcommands = {ApprovalsCommand.ListPending.class, ApprovalsCommand.Show.class})
final class ApprovalsCommand {
  /** Payloads longer than this are cut in {@code list}'s text output. */
  static final int LIST_PAYLOAD_CHARS = 60;

  private ApprovalsCommand() {}

  @Command(name = "list", mixinStandardHelpOptions = true,
      description = "Pending requests with their payload, age, deadline and approvals so far.")
  static final class ListPending implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Mixin
    TenantScopeOptions scopeOptions;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      TenantScope scope = scopeOptions.scope();
      List<ApprovalCenter.PendingRequest> pending = new ApprovalCenter(kafka.connection(), kafka.catalog()).pending(Optional.empty()).stream()
          .filter(p -> scope.allows(p.entry().getRequest().getTenantId())).toList();
      long now = System.currentTimeMillis();
      List<Map<String, Object>> rows = new ArrayList<>();
      for (ApprovalCenter.PendingRequest p : pending) {
        Map<String, Object> row = describe(p.entry(), now);
        row.put("ambiguous", p.ambiguous());
        rows.add(row);
      }
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(rows));
        return 0;
      }
      out.printf("%-38s %-12s %-28s %-10s %-22s %-9s %s%n", "REQUEST", "TENANT", "ACTION", "AGE", "DEADLINE", "APPROVALS", "PAYLOAD");
      boolean cut = false;
      for (Map<String, Object> r : rows) {
        String payload = (String) r.get("payload");
        if (Boolean.TRUE.equals(r.get("ambiguous"))) {
          payload = "(ambiguous: different entries share this id; do not approve)";
        } else if (payload.length() > LIST_PAYLOAD_CHARS) {
          payload = payload.substring(0, LIST_PAYLOAD_CHARS) + "…";
          cut = true;
        }
        out.printf("%-38s %-12s %-28s %-10s %-22s %-9s %s%n", r.get("request_id"), r.get("tenant_id"), r.get("action"),
            r.get("age"), r.get("deadline"), r.get("approvals") + "/" + r.get("approvals_needed"), payload);
      }
      if (rows.isEmpty()) {
        out.println("(nothing waits for approval)");
      }
      if (cut) {
        out.println("(payloads cut at " + LIST_PAYLOAD_CHARS + " characters: `fabric approvals show ID` prints one whole)");
      }
      return 0;
    }
  }

  @Command(name = "show", mixinStandardHelpOptions = true,
      description = "Everything an approver needs about one pending request: the whole canonical payload and its SHA-256 included.")
  static final class Show implements Callable<Integer> {
    @Mixin
    ConnectionOptions kafka;

    @Parameters(paramLabel = "REQUEST_ID")
    String requestId;

    @Mixin
    TenantScopeOptions scopeOptions;

    @Mixin
    OutputOptions output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      TenantScope scope = scopeOptions.scope();
      Optional<RequestStatus> status = LatestByKeyReader.latest(kafka.connection(), kafka.catalog().requestStatus, requestId);
      if (status.isPresent() && !scope.allows(status.get().getTenantId())) {
        // another tenant's request is answered like an unknown one, before anything about its state is said
        throw new IllegalArgumentException("no request " + requestId + " is known" + TenantScopeOptions.suffix(scope));
      }
      PendingApproval pending = new ApprovalCenter(kafka.connection(), kafka.catalog()).find(requestId);
      if (!scope.allows(pending.getRequest().getTenantId())) {
        throw new IllegalArgumentException("no request " + requestId + " is known" + TenantScopeOptions.suffix(scope));
      }
      Map<String, Object> shown = describe(pending, System.currentTimeMillis());
      PrintWriter out = spec.commandLine().getOut();
      if (output.json()) {
        out.println(Json.write(shown));
        return 0;
      }
      out.printf("request:        %s%n", shown.get("request_id"));
      out.printf("tenant:         %s%n", shown.get("tenant_id"));
      out.printf("flow:           %s%n", shown.get("flow_id"));
      out.printf("action:         %s%n", shown.get("action"));
      out.printf("class:          %s (rule %s, policy version %s)%n", shown.get("class"), shown.get("rule"), shown.get("policy_version"));
      out.printf("submitter:      %s%n", shown.get("submitter"));
      out.printf("submitted at:   %s%n", shown.get("submitted_at"));
      out.printf("age:            %s%n", shown.get("age"));
      out.printf("deadline:       %s%n", shown.get("deadline"));
      @SuppressWarnings("unchecked")
      List<String> approvers = (List<String>) shown.get("approvers");
      out.printf("approvals:      %s/%s%s%n", shown.get("approvals"), shown.get("approvals_needed"),
          approvers.isEmpty() ? "" : " (" + String.join(", ", approvers) + ")");
      out.printf("payload sha256: %s%n", shown.get("payload_sha256"));
      out.printf("payload:        %s%n", shown.get("payload"));
      return 0;
    }
  }

  /** The fields an approver decides on, as {@code show} and {@code list -o json} print them. */
  static Map<String, Object> describe(PendingApproval p, long now) {
    TaskRequest request = p.getRequest();
    String canonical;
    String sha256;
    try {
      CanonicalPayload payload = CanonicalPayload.of(request.getPayload());
      canonical = payload.json();
      sha256 = payload.sha256Hex();
    } catch (IllegalArgumentException notJson) {
      // The gate never pends such a request; if one is on the topic anyway, show it as it is: no token can bind to it.
      canonical = request.getPayload();
      sha256 = null;
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("request_id", request.getRequestId());
    row.put("tenant_id", request.getTenantId());
    row.put("flow_id", request.getFlowId());
    row.put("action", request.getAction());
    row.put("class", p.getDecision().getActionClass());
    row.put("rule", p.getDecision().getRule());
    row.put("policy_version", p.getDecision().getPolicyVersion());
    row.put("payload", canonical);
    row.put("payload_sha256", sha256);
    row.put("submitter", request.getSource());
    row.put("submitted_at", Instant.ofEpochMilli(request.getSubmittedAt()).toString());
    row.put("age", Duration.ofMillis(now - p.getPendingSince()).withNanos(0).toString());
    row.put("deadline", Instant.ofEpochMilli(p.getDeadline()).toString());
    row.put("approvers", p.getApprovals().stream().map(ApprovalToken::getApprover).distinct().toList());
    row.put("approvals", p.getApprovals().size());
    row.put("approvals_needed", p.getApprovalsNeeded());
    return row;
  }
}
