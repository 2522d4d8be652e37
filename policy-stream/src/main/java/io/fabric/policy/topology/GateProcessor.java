package io.fabric.policy.topology;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.Verdict;
import io.fabric.policy.approvals.NonceLedger;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import java.time.Duration;
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
 * used-nonce stores and turns {@link PolicyGate}'s verdicts into records. A punctuator warns about
 * and then expires requests that wait too long for approval.
 */
final class GateProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
  /** Longer than any clock skew the verifier accepts. */
  private static final Duration SPENT_TOKEN_GRACE = Duration.ofHours(1);

  private final PolicyGate gate;
  private final Duration slaCheckInterval;
  private ProcessorContext<String, SpecificRecord> context;
  private Emitter emit;
  private KeyValueStore<String, String> flowOwners;
  private KeyValueStore<String, PendingApproval> pending;
  private KeyValueStore<String, Long> usedNonces;

  GateProcessor(PolicyGate gate, Duration slaCheckInterval) {
    this.gate = gate;
    this.slaCheckInterval = slaCheckInterval;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.emit = new Emitter(context);
    this.flowOwners = context.getStateStore(PolicyTopology.FLOW_OWNERS_STORE);
    this.pending = context.getStateStore(PolicyTopology.PENDING_STORE);
    this.usedNonces = context.getStateStore(PolicyTopology.USED_NONCES_STORE);
    context.schedule(slaCheckInterval, PunctuationType.WALL_CLOCK_TIME, this::checkDeadlines);
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    long now = context.currentSystemTimeMs();
    if (record.value() instanceof TaskRequest request) {
      onRequest(request, now);
    } else if (record.value() instanceof ApprovalToken token) {
      onToken(token, now);
    } else {
      throw new IllegalArgumentException("the gate accepts TaskRequest and ApprovalToken, got " + record.value());
    }
  }

  private void onRequest(TaskRequest request, long now) {
    emit.about(request);
    String owner = flowOwners.get(request.getFlowId());
    Verdict verdict = gate.decide(request, owner, nonce -> usedNonces.get(nonce) != null, now);
    if (owner == null) {
      flowOwners.put(request.getFlowId(), request.getTenantId());
    }
    if (verdict instanceof Verdict.Route route) {
      spend(route.approvals(), now);
      emit.route(request, route.decision(), route.approvals(), now);
    } else if (verdict instanceof Verdict.Block block) {
      emit.block(request, block.decision(), block.reason(), block.detail(), block.auditType(), now);
    } else if (verdict instanceof Verdict.Pend pend) {
      spend(pend.pending().getApprovals(), now);
      pending.put(request.getRequestId(), pend.pending());
      emit.forward(request.getFlowId(), pend.pending(), now);
      emit.status(request, pend.pending().getDecision(), Outcome.PENDING_APPROVAL, null, waitingFor(pend.pending()), now);
    } else if (verdict instanceof Verdict.RejectToken reject) {
      emit.audit(AuditEvents.TOKEN_REJECTED, request, null, reject.detail(), now);
    }
  }

  private void onToken(ApprovalToken token, long now) {
    PendingApproval waiting = pending.get(token.getRequestId());
    emit.about(waiting == null ? null : waiting.getRequest());
    Verdict verdict = gate.onApproval(waiting, token, nonce -> usedNonces.get(nonce) != null, now);
    if (verdict instanceof Verdict.Route route) {
      spend(route.approvals(), now);
      pending.delete(token.getRequestId());
      emit.route(waiting.getRequest(), route.decision(), route.approvals(), now);
    } else if (verdict instanceof Verdict.Block block) {
      spend(List.of(token), now);
      pending.delete(token.getRequestId());
      emit.block(waiting.getRequest(), block.decision(), block.reason(), block.detail(), block.auditType(), now);
    } else if (verdict instanceof Verdict.Pend pend) {
      spend(List.of(token), now);
      pending.put(token.getRequestId(), pend.pending());
      emit.forward(waiting.getRequest().getFlowId(), pend.pending(), now);
      emit.status(waiting.getRequest(), pend.pending().getDecision(), Outcome.PENDING_APPROVAL, null, waitingFor(pend.pending()), now);
    } else if (verdict instanceof Verdict.RejectToken reject) {
      emit.forward(token.getFlowId(), AuditEvents.about(
        AuditEvents.TOKEN_REJECTED, waiting == null ? null : waiting.getRequest(), null,
        "token from " + token.getApprover() + " for request " + token.getRequestId() + " rejected: " + reject.detail(), now), now);
    }
  }

  private void spend(List<ApprovalToken> tokens, long now) {
    tokens.forEach(t -> usedNonces.put(NonceLedger.keyOf(t), t.getExpiresAt()));
  }

  private void checkDeadlines(long now) {
    forgetExpiredTokens(now);
    List<KeyValue<String, PendingApproval>> due = new ArrayList<>();
    try (KeyValueIterator<String, PendingApproval> all = pending.all()) {
      all.forEachRemaining(due::add);
    }
    for (KeyValue<String, PendingApproval> entry : due) {
      PendingApproval waiting = entry.value;
      if (now >= waiting.getDeadline()) {
        pending.delete(entry.key);
        emit.block(waiting.getRequest(), waiting.getDecision(), Reason.APPROVAL_EXPIRED,
            "no approval within the deadline (" + Duration.ofMillis(waiting.getDeadline() - waiting.getPendingSince()) + ")", null, now);
      } else if (!waiting.getSlaWarned() && now >= gate.slaWarningAt(waiting)) {
        pending.put(entry.key, PendingApproval.newBuilder(waiting).setSlaWarned(true).build());
        emit.audit(AuditEvents.SLA_WARNING, waiting.getRequest(), waiting.getDecision(), "request " + entry.key
            + " still waits for approval; it expires at " + java.time.Instant.ofEpochMilli(waiting.getDeadline()), now);
      }
    }
  }

  /** A spent token past its expiry can no longer verify, so its single-use key need not be kept. */
  private void forgetExpiredTokens(long now) {
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = usedNonces.all()) {
      all.forEachRemaining(kv -> {
        if (kv.value + SPENT_TOKEN_GRACE.toMillis() < now) {
          expired.add(kv.key);
        }
      });
    }
    expired.forEach(usedNonces::delete);
  }

  private static String waitingFor(PendingApproval pending) {
    return "waiting for " + (pending.getApprovalsNeeded() - pending.getApprovals().size()) + " of " + pending.getApprovalsNeeded() + " approval(s)";
  }
}
