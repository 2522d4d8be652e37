package io.fabric.policy.topology;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.TaskRequest;
import io.fabric.observability.FabricMetrics;
import io.fabric.policy.FlowOwner;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.ShadowComparison;
import io.fabric.policy.Verdict;
import io.fabric.policy.approvals.NonceLedger;
import io.fabric.policy.escalation.ApprovalNotices;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.tracing.Hop;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by flow id, fed by requests and approval tokens: owns the flow-owner, pending-approval and
 * used-nonce stores, asks {@link PolicyGate} for a {@link Verdict} and {@link #apply applies} it,
 * the same way for a request, a token, or a pending request judged again by the punctuator (which
 * also warns about and expires requests that wait too long, and forgets lapsed flow owners and
 * spent tokens).
 */
final class GateProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
  /** Longer than any clock skew the verifier accepts. */
  private static final Duration SPENT_TOKEN_GRACE = Duration.ofHours(1);
  private static final Duration OWNER_PURGE_INTERVAL = Duration.ofMinutes(10);
  /** An escalation notice was routed to a plugin for a request waiting for approval. */
  static final String APPROVAL_NOTIFIED = "APPROVAL_NOTIFIED";

  private final GateSource gates;
  /** The gate of the record or punctuation being processed: asked of {@link #gates} once each, so a policy switch never splits one. */
  private PolicyGate gate;
  private final GateTracing tracing;
  private final Duration slaCheckInterval;
  private ProcessorContext<String, SpecificRecord> context;
  private Emitter emit;
  private FabricMetrics metrics;
  private KeyValueStore<String, String> flowOwners;
  private KeyValueStore<String, PendingApproval> pending;
  private KeyValueStore<String, Long> usedNonces;
  private final BreakerBoardView board;
  private PausedRequests paused;

  GateProcessor(GateSource gates, Duration slaCheckInterval, GateTracing tracing) {
    this(gates, slaCheckInterval, tracing, new BreakerBoardView(false));
  }

  /** @param board the breakers' global store: a request of a paused tenant or submitter is held or blocked PAUSED */
  GateProcessor(GateSource gates, Duration slaCheckInterval, GateTracing tracing, BreakerBoardView board) {
    this.board = board;
    this.gates = gates;
    this.tracing = tracing;
    this.slaCheckInterval = slaCheckInterval;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.metrics = FabricMetrics.from(context.appConfigs());
    this.emit = new Emitter(context::forward, metrics);
    this.flowOwners = context.getStateStore(PolicyTopology.FLOW_OWNERS_STORE);
    this.pending = context.getStateStore(PolicyTopology.PENDING_STORE);
    this.usedNonces = context.getStateStore(PolicyTopology.USED_NONCES_STORE);
    gates.init(context);
    board.init(context);
    this.paused = new PausedRequests(context.getStateStore(PolicyTopology.PAUSED_STORE));
    context.schedule(slaCheckInterval, PunctuationType.WALL_CLOCK_TIME, this::checkPending);
    context.schedule(OWNER_PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::releaseLapsedFlows);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    long now = context.currentSystemTimeMs();
    gate = gates.current();
    if (record.value() instanceof TaskRequest request) {
      onRequest(request, now);
    } else if (record.value() instanceof ApprovalToken token) {
      onToken(token, now);
    } else {
      throw new IllegalArgumentException("the gate accepts TaskRequest and ApprovalToken, got " + record.value());
    }
  }

  private void onRequest(TaskRequest request, long now) {
    PendingApproval waiting = pending.get(request.getRequestId());
    if (waiting != null) {
      // the request-id step refuses reuse; this also covers ids claimed before that step existed
      apply(request, new Verdict.Refuse(AuditEvents.SECURITY_EVENT, "request id " + request.getRequestId()
          + " already waits for approval; this record (tenant " + request.getTenantId() + ", action " + request.getAction()
          + ") is refused and the pending request is unchanged"), null, now);
      return;
    }
    if (pausedByBreaker(request, now)) {
      return;
    }
    FlowOwner owner = FlowOwner.decode(flowOwners.get(request.getFlowId()));
    String ownerTenant = owner == null ? null : owner.tenant();
    Verdict verdict = gate.decide(request, ownerTenant, this::spent, now);
    apply(request, verdict, null, now);
    gates.shadow().ifPresent(shadow -> compareWithShadow(request, verdict, shadow.decide(request, ownerTenant, this::spent, now), shadow, now));
  }

  /**
   * A request of a tenant or submitter a breaker paused is held (in arrival order, with its flow's later
   * requests behind it) or blocked PAUSED, as the breaker says; it is decided only once released.
   */
  private boolean pausedByBreaker(TaskRequest request, long now) {
    java.util.Optional<io.fabric.policy.breakers.BreakerTrip> trip = board.pausing(request);
    boolean behind = paused.holdsFlow(request.getFlowId());
    if (trip.isEmpty() && !behind) {
      return false;
    }
    emit.about(request);
    if (trip.isPresent() && !trip.get().hold()) {
      emit.block(request, null, Reason.PAUSED, trip.get().describe() + " (trip " + trip.get().tripId() + ")", null, now);
      return true;
    }
    paused.hold(request);
    String why = trip.map(t -> t.describe() + " (trip " + t.tripId() + ")")
        .orElse("held behind an earlier held request of flow " + request.getFlowId() + ", to keep the flow's order");
    emit.status(request, null, Outcome.HELD, Reason.PAUSED, why, now);
    return true;
  }

  /** Held requests whose tenant and submitter are no longer paused are decided, in arrival order, by the policy in force now. */
  private void releaseUnpaused(long now) {
    for (TaskRequest request : paused.releasable(r -> board.pausing(r).isEmpty())) {
      onRequest(request, now);
    }
  }

  /** A shadow policy is only observed: a different outcome is an audit event, and nothing else changes. */
  private void compareWithShadow(TaskRequest request, Verdict active, Verdict shadowVerdict, PolicyGate shadow, long now) {
    ShadowComparison.difference(active, gate.policy().version(), shadowVerdict, shadow.policy().version()).ifPresent(detail ->
        emit.about(request).audit(AuditEvents.POLICY_SHADOW_DIFFERS, request, decisionOf(active), detail, now));
  }

  private static io.fabric.contracts.PolicyDecision decisionOf(Verdict verdict) {
    if (verdict instanceof Verdict.Route route) {
      return route.decision();
    }
    if (verdict instanceof Verdict.Pend pend) {
      return pend.pending().getDecision();
    }
    return verdict instanceof Verdict.Block block ? block.decision() : null;
  }

  private void onToken(ApprovalToken token, long now) {
    PendingApproval waiting = pending.get(token.getRequestId());
    Verdict verdict = gate.onApproval(waiting, token, this::spent, now);
    if (waiting == null) {
      AuditEvent event = AuditEvents.about(AuditEvents.TOKEN_REJECTED, null, null, ((Verdict.Refuse) verdict).detail(), now);
      event.setRequestId(token.getRequestId());
      event.setTenantId(token.getTenantId());
      event.setFlowId(token.getFlowId());
      event.setAction(token.getAction());
      emit.about(null).forward(token.getFlowId(), event, now);
      return;
    }
    apply(waiting.getRequest(), verdict, token, now);
  }

  /**
   * Writes what a verdict means for a request, whatever caused it. {@code token} is the token being
   * decided on, if any; it is spent when it counted (routed, pending, or a valid rejection).
   */
  private void apply(TaskRequest request, Verdict verdict, ApprovalToken token, long now) {
    try (Hop hop = tracing.decision(request, verdict, token)) {
      emit.tracedAs(hop.traceparent());
      write(request, verdict, token, now);
    } finally {
      emit.tracedAs(null);
    }
  }

  private void write(TaskRequest request, Verdict verdict, ApprovalToken token, long now) {
    emit.about(request);
    if (verdict instanceof Verdict.Route route) {
      spend(route.approvals(), now);
      boolean waited = pending.get(request.getRequestId()) != null;
      if (waited) {
        // only a parked request has an entry: deleting an absent key would still write a tombstone to the
        // changelog, one record per request that restores nothing (issue 22)
        pending.delete(request.getRequestId());
      }
      own(request, now);
      emit.handOn(request, route.decision(), route.approvals(), now);
      // tokens that counted now: the one just published, or those the request came with
      List<ApprovalToken> accepted = token != null ? List.of(token) : waited ? List.of() : route.approvals();
      accepted.forEach(t -> emit.audit(AuditEvents.TOKEN_ACCEPTED, request, route.decision(), tokenDetail(t), now));
      if (!route.approvals().isEmpty()) {
        emit.audit(AuditEvents.APPROVAL_GRANTED, request, route.decision(), "approved by " + String.join(", ",
            route.approvals().stream().map(ApprovalToken::getApprover).toList()) + " (" + route.approvals().size() + " token(s)); routed", now);
      }
    } else if (verdict instanceof Verdict.Pend pend) {
      spend(pend.pending().getApprovals(), now);
      boolean starts = pending.get(request.getRequestId()) == null;
      pending.put(request.getRequestId(), pend.pending());
      if (starts) {
        // the first group of its escalation chain hears of it now, in the transaction that parks it: once
        notify(pend.pending(), 0, now);
      }
      own(request, now);
      emit.forward(request.getFlowId(), pend.pending(), now);
      emit.status(request, pend.pending().getDecision(), Outcome.PENDING_APPROVAL, null, waitingFor(pend.pending()), now);
      if (token != null) {
        emit.audit(AuditEvents.TOKEN_ACCEPTED, request, pend.pending().getDecision(), tokenDetail(token) + "; "
            + waitingFor(pend.pending()), now);
      }
    } else if (verdict instanceof Verdict.Block block) {
      if (token != null && block.reason() == Reason.APPROVAL_REJECTED) {
        spend(List.of(token), now);
      }
      if (pending.get(request.getRequestId()) != null) {
        pending.delete(request.getRequestId());
      }
      if (block.reason() == Reason.APPROVAL_EXPIRED) {
        metrics.approvalExpired();
      }
      emit.block(request, block.decision(), block.reason(), block.detail(), block.auditType(), now);
    } else if (verdict instanceof Verdict.Refuse refuse) {
      emit.audit(refuse.auditType(), request, null, refuse.detail(), now);
    }
  }

  /**
   * Routes the notifications of one escalation step as the gate's own tasks (see {@link ApprovalNotices}):
   * written with the state change that makes the step due, so a restart never sends a step twice.
   */
  private void notify(PendingApproval waiting, int step, long now) {
    for (io.fabric.contracts.RoutedTask notice : io.fabric.policy.escalation.ApprovalNotices.forStep(waiting, gate.policy(), step, now)) {
      emit.about(waiting.getRequest()).forward(notice.getRequest().getFlowId(), notice, now);
      emit.audit(APPROVAL_NOTIFIED, waiting.getRequest(), waiting.getDecision(), "step " + step + " (" + notice.getDecision().getRule()
          + "): " + notice.getRequest().getAction() + " notice " + notice.getRequest().getRequestId() + ", idempotency key "
          + notice.getRequest().getIdempotencyKey(), now);
    }
  }

  /** A flow belongs to the tenant of its first request that was routed or parked; blocked requests take nothing. */
  private void own(TaskRequest request, long now) {
    flowOwners.put(request.getFlowId(), new FlowOwner(request.getTenantId(), now).encode());
  }

  private boolean spent(String nonceKey) {
    return usedNonces.get(nonceKey) != null;
  }

  private void spend(List<ApprovalToken> tokens, long now) {
    tokens.forEach(t -> usedNonces.put(NonceLedger.keyOf(t), t.getExpiresAt()));
  }

  private void checkPending(long now) {
    gate = gates.current();
    releaseUnpaused(now);
    forgetExpiredTokens(now);
    board.trippedCount().ifPresent(metrics::breakersTripped);
    List<KeyValue<String, PendingApproval>> all = new ArrayList<>();
    try (KeyValueIterator<String, PendingApproval> it = pending.all()) {
      it.forEachRemaining(all::add);
    }
    long stillPending = 0;
    long oldestSince = Long.MAX_VALUE;
    for (KeyValue<String, PendingApproval> entry : all) {
      PendingApproval waiting = entry.value;
      Verdict verdict = gate.rejudge(waiting, now);
      if (verdict instanceof Verdict.Unchanged) {
        warnIfDue(entry.key, waiting, now);
        stillPending++;
        oldestSince = Math.min(oldestSince, waiting.getPendingSince());
      } else {
        apply(waiting.getRequest(), verdict, null, now);
      }
    }
    // the gauges read this, so a scrape never scans the store
    metrics.pendingApprovals().report(context.taskId().toString(), stillPending, oldestSince);
  }

  @Override
  public void close() {
    if (metrics != null) {
      metrics.pendingApprovals().forget(context.taskId().toString());
      // a process left with no gate task must not report a trip forever (the dashboard takes the max over
      // instances); a gate task still here sets it again at its next punctuation
      metrics.breakersTripped(0);
    }
  }

  private void warnIfDue(String requestId, PendingApproval waiting, long now) {
    if (!waiting.getSlaWarned() && now >= gate.slaWarningAt(waiting)) {
      pending.put(requestId, PendingApproval.newBuilder(waiting).setSlaWarned(true).build());
      metrics.slaWarning();
      emit.about(waiting.getRequest()).audit(AuditEvents.SLA_WARNING, waiting.getRequest(), waiting.getDecision(), "request " + requestId
          + " still waits for approval; it expires at " + Instant.ofEpochMilli(waiting.getDeadline()), now);
      // escalation: the next group, in the transaction that marks the warning sent
      notify(waiting, 1, now);
    }
  }

  /**
   * A spent token past its expiry can no longer verify, so its single-use key need not be kept.
   * Compared as {@code expiry <= now - grace}: adding the grace to an expiry near Long.MAX_VALUE
   * would overflow and forget a token that never expires.
   */
  private void forgetExpiredTokens(long now) {
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = usedNonces.all()) {
      all.forEachRemaining(kv -> {
        if (kv.value < now - SPENT_TOKEN_GRACE.toMillis()) {
          expired.add(kv.key);
        }
      });
    }
    expired.forEach(usedNonces::delete);
  }

  /** Flow ids with no request for the retention are released; ones written before ownership lapsed start their clock now. */
  private void releaseLapsedFlows(long now) {
    long retention = gates.current().retention().flowOwners().toMillis();
    List<KeyValue<String, FlowOwner>> owners = new ArrayList<>();
    try (KeyValueIterator<String, String> all = flowOwners.all()) {
      all.forEachRemaining(kv -> owners.add(KeyValue.pair(kv.key, FlowOwner.decode(kv.value))));
    }
    for (KeyValue<String, FlowOwner> entry : owners) {
      if (entry.value.lastSeenMillis() == FlowOwner.UNKNOWN) {
        flowOwners.put(entry.key, new FlowOwner(entry.value.tenant(), now).encode());
      } else if (entry.value.expired(now, retention)) {
        flowOwners.delete(entry.key);
      }
    }
  }

  private static String tokenDetail(ApprovalToken token) {
    return "token of " + token.getApprover() + " (" + token.getDecision() + ", payload sha256 " + token.getPayloadSha256()
        + ") accepted for request " + token.getRequestId();
  }

  private static String waitingFor(PendingApproval pending) {
    return "waiting for " + (pending.getApprovalsNeeded() - pending.getApprovals().size()) + " of " + pending.getApprovalsNeeded() + " approval(s)";
  }
}
