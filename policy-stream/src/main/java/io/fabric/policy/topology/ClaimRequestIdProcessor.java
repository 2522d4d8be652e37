package io.fabric.policy.topology;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.observability.FabricMetrics;
import io.fabric.policy.RequestIds;
import io.fabric.policy.RequestIds.Claim;
import io.fabric.policy.identity.SpentReplays;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.Statuses;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by request id: the only place before the gate that writes a request's status, and only for
 * the request that owns the id. A record whose id belongs to another request is refused with a
 * security event naming both, and nothing of the first changes. Requests that passed go on to the
 * gate; invalid ones and duplicates get their status here ({@link EarlyVerdict}). A replay that
 * passes is spent here ({@link SpentReplays}), in the task and transaction that forwards it: a copy
 * of it (same request id, so the same partition of this stage whichever key or partition its
 * producer chose) finds it spent and is blocked without a status, with a security event.
 */
final class ClaimRequestIdProcessor implements Processor<String, TaskRequest, String, SpecificRecord> {
  private static final Duration PURGE_INTERVAL = Duration.ofHours(1);
  private static final Duration SPENT_REPLAYS_PURGE_INTERVAL = Duration.ofMinutes(10);

  private final long retentionMs;
  private final boolean signedRequests;
  private final Duration replaySignatureLifetime;
  private ProcessorContext<String, SpecificRecord> context;
  private Emitter emit;
  private FabricMetrics metrics;
  private KeyValueStore<String, String> claims;
  private KeyValueStore<String, Long> usedReplays;
  private SpentReplays spentReplays;

  /**
   * @param signedRequests whether the gate requires signed requests: a signed request used twice is then a security event
   * @param replaySignatureLifetime how long a replay's signature passes where it enters: its identity is kept at least that long
   */
  ClaimRequestIdProcessor(Duration retention, boolean signedRequests, Duration replaySignatureLifetime) {
    this.retentionMs = retention.toMillis();
    this.signedRequests = signedRequests;
    this.replaySignatureLifetime = replaySignatureLifetime;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.metrics = FabricMetrics.from(context.appConfigs());
    this.emit = new Emitter(context::forward, metrics);
    this.claims = context.getStateStore(PolicyTopology.REQUEST_IDS_STORE);
    this.usedReplays = context.getStateStore(PolicyTopology.USED_REPLAYS_STORE);
    this.spentReplays = new SpentReplays(usedReplays::get, usedReplays::put, replaySignatureLifetime);
    context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetOlderThanRetention);
    context.schedule(SPENT_REPLAYS_PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::forgetSpentReplays);
  }

  @Override
  public void process(Record<String, TaskRequest> record) {
    long now = context.currentSystemTimeMs();
    TaskRequest request = record.value();
    Claim claim = Claim.decode(claims.get(record.key()));
    RequestIds.Judgement judgement = RequestIds.judge(claim, request);
    Optional<EarlyVerdict> early = EarlyVerdict.readFrom(record.headers());
    emit.about(request);
    if (judgement == RequestIds.Judgement.REUSED) {
      emit.audit(AuditEvents.SECURITY_EVENT, request, null, RequestIds.reuseDetail(claim, request)
          + early.map(v -> " (it was also " + v.kind() + (v.reason() == null ? "" : " " + v.reason()) + ": " + v.detail() + ")").orElse(""), now);
      return;
    }
    if (claim != null && early.isPresent() && early.get().kind() == EarlyVerdict.Kind.REFUSED) {
      // the same request again (a resend, or a replay), refused where it entered: a copy may not restatus the request that owns the id
      emit.audit(AuditEvents.SECURITY_EVENT, request, null, "a copy of request " + request.getRequestId() + " was refused "
          + early.get().reason() + ": " + early.get().detail() + "; the request keeps its status", now);
      return;
    }
    if (early.isPresent() && early.get().kind() == EarlyVerdict.Kind.REFUSED) {
      // a refused request claims nothing (its id may not even be an id, and an unsigned one must not squat it),
      // unless it is a submitter's own signed request: then the same bytes must never run later
      if (early.get().claimsId()) {
        claims.put(record.key(), Claim.of(request, now).encode());
      } else if (signedRequests) {
        // it proved no identity, or named another tenant's scoped id: that id may be a signed request's, whose status it must not write
        emit.blockUnauthenticated(request, early.get().reason(), early.get().detail(), early.get().auditType(), now);
        return;
      }
      emit.block(request, null, early.get().reason(), early.get().detail(), early.get().auditType(), now);
      return;
    }
    if (judgement == RequestIds.Judgement.RESEND && early.isPresent()) {
      return; // a resend of a request the fabric already handled, whose key has since been taken by another: it stays as it was
    }
    if (request.getReplay() != null && (early.isEmpty() || early.get().kind() == EarlyVerdict.Kind.DUPLICATE)) {
      // admitted (signed by a replayer, fresh) and about to go to the gate, or to be told a DUPLICATE: the first copy spends
      // it, later ones are refused. A copy is a duplicate too once a later request of the tenant took the replay's idempotency
      // key (past the duplicate window), and its DUPLICATE status would overwrite the request's and free the slot the replay
      // holds. UNAUTHENTICATED, like a stale signature: the copy's signature is spent, and reconcile counts such a refusal as
      // its record's, not as a second outcome of the request that ran; no status, the request keeps the one of its replay
      Optional<String> reused = spentReplays.spend(request, now);
      if (reused.isPresent()) {
        emit.blockCopy(request, Reason.UNAUTHENTICATED, reused.get(), AuditEvents.SECURITY_EVENT, now);
        return;
      }
    }
    if (claim == null) {
      claims.put(record.key(), Claim.of(request, now).encode());
    }
    if (early.isPresent()) {
      RequestStatus duplicate = Statuses.of(request, null, Outcome.DUPLICATE, null,
          "same tenant and idempotency key as request " + early.get().detail(), now);
      duplicate.setDuplicateOf(early.get().detail());
      emit.forward(request.getRequestId(), duplicate, now);
      metrics.decision(null, Outcome.DUPLICATE.name(), null);
      return;
    }
    if (judgement == RequestIds.Judgement.RESEND) {
      // the same request again, not a replay: handling it twice would only overwrite its status
      if (signedRequests) {
        emit.audit(AuditEvents.SECURITY_EVENT, request, null, "signed request " + request.getRequestId() + " of submitter "
            + request.getSubmitter() + " was used again; a signed request counts once, so this copy is dropped", now);
      }
      return;
    }
    context.forward(new Record<String, SpecificRecord>(record.key(), request, record.timestamp(), EarlyVerdict.strip(record.headers())));
  }

  /** A spent replay past its signature's lifetime (and the grace) is refused as stale where it enters, so it need not be kept. */
  private void forgetSpentReplays(long now) {
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, Long> all = usedReplays.all()) {
      all.forEachRemaining(kv -> {
        if (SpentReplays.forgettable(kv.value, now)) {
          old.add(kv.key);
        }
      });
    }
    old.forEach(usedReplays::delete);
  }

  private void forgetOlderThanRetention(long now) {
    List<String> old = new ArrayList<>();
    try (KeyValueIterator<String, String> all = claims.all()) {
      all.forEachRemaining(kv -> {
        if (now - Claim.decode(kv.value).firstSeenMillis() >= retentionMs) {
          old.add(kv.key);
        }
      });
    }
    old.forEach(claims::delete);
  }
}
