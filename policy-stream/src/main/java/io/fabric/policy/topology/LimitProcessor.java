package io.fabric.policy.topology;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.ActionClass;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.Verdict;
import io.fabric.policy.limits.HeldQueues;
import io.fabric.policy.limits.LimitLedger;
import io.fabric.policy.limits.LimitRule;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.TraceContext;
import java.time.Duration;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by tenant, between the gate and {@code fabric.tasks.routed}: every task the gate allowed
 * starts here when the policy's limits allow it, waits in the held store (in arrival order) when a
 * rule says {@code wait}, or is blocked {@code RATE_LIMITED} when one says {@code block}. Final
 * statuses ({@link io.fabric.policy.limits.SlotRelease}) of the tasks it released free their
 * concurrency slots, and a slot none freed within {@code limits.slot_lease} is reclaimed ({@link SlotLeases}). The punctuator releases held tasks in order, each judged again by the policy in force
 * ({@link PolicyGate#recheckHeld}) and counted by the limits in force, so a hot reload applies to
 * them too. The decisions are {@link LimitLedger}'s; this class only loads and stores.
 */
final class LimitProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
  private final GateSource gates;
  private final Duration releaseInterval;
  private ProcessorContext<String, SpecificRecord> context;
  private Emitter emit;
  private KeyValueStore<String, RoutedTask> held;
  private KeyValueStore<String, String> state;
  private LimitLedger ledger;
  /** Budgets with a held request, as of the last release pass plus those held since: later requests of them wait behind. */
  private final HeldQueues queued = new HeldQueues();
  /** The policy the {@link #queued} budgets were computed by; another policy needs a release pass first. */
  private String queuedBy;

  LimitProcessor(GateSource gates, Duration releaseInterval) {
    this.gates = gates;
    this.releaseInterval = releaseInterval;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    LedgerStage stage = LedgerStage.open(context, gates, "limits", PolicyTopology.LIMITS_HELD_STORE, PolicyTopology.LIMITS_STATE_STORE,
        releaseInterval, this::releasePass);
    this.emit = stage.emit();
    this.held = stage.held();
    this.state = stage.state();
    this.ledger = stage.ledger();
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    long now = context.currentSystemTimeMs();
    PolicyGate gate = gates.current();
    if (!gate.policy().version().equals(queuedBy)) {
      releasePass(now);
    }
    if (record.value() instanceof RequestStatus status) {
      // only a request this stage released, and for the tenant it was released for, frees a slot (LimitLedger#finish)
      ledger.finish(status.getRequestId(), status.getTenantId());
    } else if (record.value() instanceof RoutedTask task) {
      // the gate's span, so the router's hop stays its child (a held task keeps it in the state store)
      String gateHop = TraceContext.get(record.headers());
      try {
        emit.tracedAs(gateHop);
        onAllowed(task, gateHop, gate, now);
      } finally {
        emit.tracedAs(null);
      }
    } else {
      throw new IllegalArgumentException("the limits stage accepts RoutedTask and RequestStatus, got " + record.value());
    }
  }

  private void onAllowed(RoutedTask task, String gateHop, PolicyGate gate, long now) {
    TaskRequest request = task.getRequest();
    List<LimitRule> rules = rulesFor(gate, request);
    LimitLedger.Decision decision = rules.isEmpty() ? new LimitLedger.Admit(List.of())
        : ledger.tryStart(request.getRequestId(), request.getTenantId(), submitterOf(gate, request), rules, queued.closed(), now);
    if (decision instanceof LimitLedger.Admit) {
      start(gate, request, task.getDecision(), task.getApprovals(), now);
      return;
    }
    LimitLedger.Over over = (LimitLedger.Over) decision;
    java.util.Optional<String> full = queued.full(over);
    if (over.onLimit() == LimitRule.OnLimit.BLOCK || full.isPresent()) {
      emit.block(request, task.getDecision(), Reason.RATE_LIMITED, over.detail()
          + full.map(budget -> "; and " + budget + " already has its rule's max_held requests waiting").orElse(""), null, now);
      return;
    }
    String place = nextPlace();
    held.put(place, task);
    if (gateHop != null) {
      state.put(TRACE_PREFIX + place, gateHop);
    }
    queued.hold(over);
    emit.status(request, task.getDecision(), Outcome.HELD, Reason.RATE_LIMITED, over.detail() + "; held in order until its limits allow it", now);
  }

  /**
   * Goes through the held tasks in arrival order: each is judged again by the policy in force and
   * started if its limits allow, blocked if the policy or a {@code block} rule now says so, or left
   * waiting, and then its budgets stay closed to the tasks behind it, so each budget starts its tasks in order.
   */
  private void releasePass(long now) {
    PolicyGate gate = gates.current();
    queued.clear();
    queuedBy = gate.policy().version();
    List<KeyValue<String, RoutedTask>> waiting = new java.util.ArrayList<>();
    try (KeyValueIterator<String, RoutedTask> all = held.all()) {
      all.forEachRemaining(waiting::add);
    }
    for (KeyValue<String, RoutedTask> entry : waiting) {
      try {
        emit.tracedAs(state.get(TRACE_PREFIX + entry.key));
        releaseOrKeep(entry, gate, now);
      } finally {
        emit.tracedAs(null);
      }
    }
  }

  private void releaseOrKeep(KeyValue<String, RoutedTask> entry, PolicyGate gate, long now) {
    RoutedTask task = entry.value;
    TaskRequest request = task.getRequest();
    if (gate.policy().classify(request.getTenantId(), request.getAction()).actionClass() == ActionClass.C) {
      forget(entry.key);
      apply(request, gate.recheckHeld(task, now), now);
      return;
    }
    List<LimitRule> rules = rulesFor(gate, request);
    LimitLedger.Decision decision = rules.isEmpty() ? new LimitLedger.Admit(List.of())
        : ledger.tryStart(request.getRequestId(), request.getTenantId(), submitterOf(gate, request), rules, queued.closed(), now);
    if (decision instanceof LimitLedger.Over over) {
      if (over.onLimit() == LimitRule.OnLimit.BLOCK) {
        forget(entry.key);
        emit.block(request, task.getDecision(), Reason.RATE_LIMITED, over.detail() + " (the policy now blocks instead of holding)", null, now);
      } else {
        queued.hold(over);
      }
      return;
    }
    forget(entry.key);
    Verdict verdict = gate.recheckHeld(task, now);
    if (!(verdict instanceof Verdict.Route)) {
      ledger.finish(request.getRequestId(), request.getTenantId());
    }
    apply(request, verdict, now);
  }

  /** Routed, or handed to its plugin's cap ({@code limits.plugins}), which writes the ROUTED status when it starts it. */
  private void start(PolicyGate gate, TaskRequest request, io.fabric.contracts.PolicyDecision decision,
                     List<io.fabric.contracts.ApprovalToken> approvals, long now) {
    java.util.Optional<io.fabric.policy.limits.PluginCap> cap = gate.policy().limits().capFor(request.getAction());
    if (cap.isPresent()) {
      emit.about(request).forward(PluginCapProcessor.KEY_PREFIX + cap.get().plugin(),
          RoutedTask.newBuilder().setRequest(request).setDecision(decision).setApprovals(approvals).build(), now);
    } else {
      emit.route(request, decision, approvals, now);
    }
  }

  private void forget(String place) {
    held.delete(place);
    state.delete(TRACE_PREFIX + place);
  }

  private void apply(TaskRequest request, Verdict verdict, long now) {
    if (verdict instanceof Verdict.Route route) {
      start(gates.current(), request, route.decision(), route.approvals(), now);
    } else if (verdict instanceof Verdict.Block block) {
      emit.block(request, block.decision(), block.reason(), block.detail(), block.auditType(), now);
    } else {
      throw new IllegalStateException("a held task is routed or blocked, got " + verdict);
    }
  }

  /**
   * The submitter whose budget a request draws on: only a verified one. Without signed requests the
   * name is a claim anyone can vary per request, so unsigned requests share one budget per tenant.
   */
  private static String submitterOf(PolicyGate gate, TaskRequest request) {
    return gate.requiresSignedRequests() ? request.getSubmitter() : null;
  }

  private static List<LimitRule> rulesFor(PolicyGate gate, TaskRequest request) {
    if (request.getAttributes().containsKey(io.fabric.policy.escalation.ApprovalNotices.ATTRIBUTE)) {
      // the gate's own notice to approvers (the attribute is refused on ingress): the tenant's limits are for what the
      // tenant asks, and holding or blocking a notice would hide a request waiting for approval from its approvers
      return List.of();
    }
    ActionClass actionClass = gate.policy().classify(request.getTenantId(), request.getAction()).actionClass();
    return gate.policy().limits().applying(request.getTenantId(), request.getAction(), actionClass);
  }

  /** The held store's key: a counter kept in the state store, zero-padded so the store's order is arrival order. */
  private String nextPlace() {
    String last = state.get(PLACE_KEY);
    long next = last == null ? 0 : Long.parseLong(last) + 1;
    state.put(PLACE_KEY, Long.toString(next));
    return String.format(java.util.Locale.ROOT, "%019d", next);
  }

  private static final String PLACE_KEY = "held-place";
  /** The gate's traceparent of a held task, by its place. */
  private static final String TRACE_PREFIX = "trace|";
}
