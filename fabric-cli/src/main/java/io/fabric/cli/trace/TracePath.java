package io.fabric.cli.trace;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.records.Outcome;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A request's path through the fabric, assembled from the records the fabric itself wrote (no
 * tracing backend): submitted, the gate's decision, each approval, routed to a plugin's task topic,
 * each attempt, the checkpoint revision(s) and the final status, each hop with its time, the latency
 * from the hop before and from submission. Kafka-free: {@code fabric trace} reads the topics and
 * hands their records here as {@link Seen} values.
 *
 * <p>Times are the records' Kafka timestamps (the time the app that wrote them decided), an
 * attempt's is the time the plugin call returned; hops are listed in the order the fabric takes
 * them, so a negative latency means two hosts' clocks disagree.
 */
public record TracePath(String requestId, String tenantId, String flowId, String action, String submitter, List<String> approvers,
                        String outcome, List<Hop> hops) {

  /** One hop: what happened, when, and the details that explain it (class, rule, approver, attempt, revision, ...). */
  public record Hop(String stage, long at, long sincePrevious, long sinceSubmitted, Map<String, String> detail) {}

  /** A record of the request as read from one of the fabric's topics, with its Kafka timestamp. */
  public record Seen<V>(String topic, long timestamp, V value) {}

  /** Everything read about one request; lists in offset order, any may be empty. */
  public record Records(List<Seen<RequestStatus>> statuses, List<Seen<TaskRequest>> ingress, List<Seen<PendingApproval>> pending,
                        List<Seen<BlockedTask>> blocked, List<Seen<ApprovalToken>> approvals, List<Seen<RoutedTask>> routed,
                        List<Seen<RoutedTask>> pluginTasks, List<Seen<FlowCheckpoint>> revisions) {}

  /** @return empty when no status names the request (an unknown id) */
  public static Optional<TracePath> assemble(String requestId, Records in) {
    if (in.statuses().isEmpty()) {
      return Optional.empty();
    }
    RequestStatus last = in.statuses().get(in.statuses().size() - 1).value();
    List<Draft> drafts = new ArrayList<>();
    TaskRequest request = request(in).orElse(null);

    // submitted: the ingress record, else the request's own submitted_at
    Optional<Seen<TaskRequest>> ingress = in.ingress().stream().filter(s -> requestId.equals(s.value().getRequestId())).findFirst();
    if (ingress.isPresent() || request != null) {
      TaskRequest submitted = ingress.map(Seen::value).orElse(request);
      Map<String, String> detail = new LinkedHashMap<>();
      put(detail, "topic", ingress.map(Seen::topic).orElse(null));
      put(detail, "submitter", submitted.getSubmitter());
      put(detail, "principal", submitted.getAttributes() == null ? null
          : submitted.getAttributes().get(io.fabric.schemas.topics.ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE));
      put(detail, "source", submitted.getSource());
      drafts.add(new Draft("submitted", ingress.map(Seen::timestamp).orElse(submitted.getSubmittedAt()), detail));
    }

    // the gate's first decision: the earliest of pending, routed or blocked
    List<Seen<?>> decisions = new ArrayList<>();
    decisions.addAll(in.pending());
    decisions.addAll(in.routed());
    decisions.addAll(in.blocked());
    decisions.sort(Comparator.comparingLong(Seen::timestamp));
    Seen<?> gate = decisions.isEmpty() ? null : decisions.get(0);
    Draft gateDraft = null;
    if (gate != null) {
      Map<String, String> detail = new LinkedHashMap<>();
      PolicyDecision decision;
      if (gate.value() instanceof PendingApproval p) {
        detail.put("outcome", Outcome.PENDING_APPROVAL.name());
        decision = p.getDecision();
      } else if (gate.value() instanceof RoutedTask r) {
        detail.put("outcome", Outcome.ROUTED.name());
        decision = r.getDecision();
      } else {
        BlockedTask b = (BlockedTask) gate.value();
        detail.put("outcome", Outcome.BLOCKED.name());
        put(detail, "reason", b.getReason());
        put(detail, "detail", b.getDetail());
        decision = b.getDecision();
      }
      decided(detail, decision);
      detail.put("topic", gate.topic());
      gateDraft = new Draft("gate", gate.timestamp(), detail);
      drafts.add(gateDraft);
    }

    // each approval token: from fabric.approvals, or carried by the routed task (a pre-approved request)
    Set<String> approvers = new LinkedHashSet<>();
    Set<String> nonces = new LinkedHashSet<>();
    for (Seen<ApprovalToken> token : in.approvals()) {
      if (requestId.equals(token.value().getRequestId()) && nonces.add(token.value().getNonce())) {
        drafts.add(approval(token.value(), token.timestamp(), token.topic()));
        approvers.add(token.value().getApprover());
      }
    }
    Optional<Seen<RoutedTask>> routed = in.routed().stream().findFirst();
    routed.ifPresent(r -> r.value().getApprovals().stream().filter(t -> nonces.add(t.getNonce())).forEach(t -> {
      drafts.add(approval(t, t.getIssuedAt(), "approval_token"));
      approvers.add(t.getApprover());
    }));

    // routed (after approval; a class-A request's gate decision is its routing) to the plugin's task topic
    if (routed.isPresent()) {
      Optional<Seen<RoutedTask>> toPlugin = in.pluginTasks().stream().findFirst();
      Map<String, String> detail = new LinkedHashMap<>();
      detail.put("topic", routed.get().topic());
      put(detail, "plugin_topic", toPlugin.map(Seen::topic).orElse(null));
      if (routed.get() != gate) {
        drafts.add(new Draft("routed", routed.get().timestamp(), detail));
      } else if (toPlugin.isPresent()) {
        gateDraft.detail().put("plugin_topic", toPlugin.get().topic());
      }
    }

    // the step in the flow's revisions: each attempt, then each revision that wrote or changed it
    FlowStep written = null;
    for (Seen<FlowCheckpoint> revision : in.revisions()) {
      FlowStep step = revision.value().getSteps().stream().filter(s -> requestId.equals(s.getRequestId())).findFirst().orElse(null);
      if (step == null || (written != null && Objects.equals(written.getStatus(), step.getStatus()))) {
        continue;
      }
      if (written == null) {
        for (ExecutionAttempt attempt : step.getAttempts()) {
          Map<String, String> detail = new LinkedHashMap<>();
          detail.put("attempt", Integer.toString(attempt.getAttempt()));
          put(detail, "plugin", step.getPlugin());
          detail.put("result", attempt.getError() == null ? "ok" : "failed");
          put(detail, "error", attempt.getError());
          drafts.add(new Draft("attempt", parse(attempt.getAt()).orElse(revision.timestamp()), detail));
        }
      }
      Map<String, String> detail = new LinkedHashMap<>();
      detail.put("revision", Integer.toString(revision.value().getRevision()));
      put(detail, "step_status", String.valueOf(step.getStatus()));
      put(detail, "flow_status", String.valueOf(revision.value().getStatus()));
      detail.put("topic", revision.topic());
      drafts.add(new Draft("checkpoint", revision.timestamp(), detail));
      written = step;
    }

    // the final status, once it is terminal
    Seen<RequestStatus> lastSeen = in.statuses().get(in.statuses().size() - 1);
    if (Outcome.valueOf(last.getOutcome()).terminal()) {
      Map<String, String> detail = new LinkedHashMap<>();
      detail.put("outcome", last.getOutcome());
      put(detail, "reason", last.getReason());
      put(detail, "detail", last.getDetail());
      drafts.add(new Draft(last.getOutcome().toLowerCase(java.util.Locale.ROOT), lastSeen.timestamp(), detail));
    }

    long submittedAt = drafts.isEmpty() ? 0 : drafts.get(0).at();
    List<Hop> hops = new ArrayList<>();
    long previous = submittedAt;
    for (Draft d : drafts) {
      hops.add(new Hop(d.stage(), d.at(), d.at() - previous, d.at() - submittedAt, java.util.Collections.unmodifiableMap(d.detail())));
      previous = d.at();
    }
    String submitter = last.getSubmitter() != null ? last.getSubmitter() : request == null ? null : request.getSubmitter();
    return Optional.of(new TracePath(requestId, last.getTenantId(), last.getFlowId(), last.getAction(), submitter,
        List.copyOf(approvers), last.getOutcome(), List.copyOf(hops)));
  }

  private record Draft(String stage, long at, Map<String, String> detail) {}

  private static Draft approval(ApprovalToken token, long at, String topic) {
    Map<String, String> detail = new LinkedHashMap<>();
    put(detail, "approver", token.getApprover());
    put(detail, "decision", String.valueOf(token.getDecision()));
    put(detail, "reason", token.getReason());
    detail.put("topic", topic);
    return new Draft("approval", at, detail);
  }

  private static void decided(Map<String, String> detail, PolicyDecision decision) {
    if (decision != null) {
      put(detail, "class", decision.getActionClass());
      put(detail, "rule", decision.getRule());
      put(detail, "policy_version", decision.getPolicyVersion());
    }
  }

  private static Optional<TaskRequest> request(Records in) {
    return in.pending().stream().map(s -> s.value().getRequest()).findFirst()
        .or(() -> in.routed().stream().map(s -> s.value().getRequest()).findFirst())
        .or(() -> in.blocked().stream().map(s -> s.value().getRequest()).findFirst())
        .or(() -> in.ingress().stream().map(Seen::value).findFirst());
  }

  private static Optional<Long> parse(String instant) {
    try {
      return instant == null ? Optional.empty() : Optional.of(Instant.parse(instant).toEpochMilli());
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static void put(Map<String, String> detail, String key, String value) {
    if (value != null && !value.isBlank()) {
      detail.put(key, value);
    }
  }
}
