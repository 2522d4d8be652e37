package io.fabric.policy.topology;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.Verdict;
import io.fabric.policy.limits.FairShare;
import io.fabric.policy.limits.LimitLedger;
import io.fabric.policy.limits.PluginCap;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.TraceContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by plugin ({@code cap|PLUGIN}), after the limits stage, for the tasks of plugins the policy
 * caps ({@code limits.plugins}): one place per plugin counts its calls started and in flight over
 * every tenant. A task starts at once when nothing of its plugin waits and the cap allows it;
 * otherwise it waits (HELD) and the punctuator offers waiting tasks in {@link FairShare} order
 * (round-robin over tenants), each judged again by the policy in force. Final statuses free slots.
 */
final class PluginCapProcessor implements Processor<String, SpecificRecord, String, SpecificRecord> {
  /** The key prefix of the records this stage reads: a task or final status of a capped plugin. */
  static final String KEY_PREFIX = "cap|";
  private static final String PLACE_KEY = "held-place";
  private static final String SERVED_PREFIX = "served|";
  private static final String TRACE_PREFIX = "trace|";

  private final GateSource gates;
  private final Duration releaseInterval;
  private ProcessorContext<String, SpecificRecord> context;
  private Emitter emit;
  private KeyValueStore<String, RoutedTask> held;
  private KeyValueStore<String, String> state;
  private LimitLedger ledger;
  /** Waiting tasks per plugin, as of the last pass plus those held since; null until the first pass after a start. */
  private Map<String, Integer> waiting;

  PluginCapProcessor(GateSource gates, Duration releaseInterval) {
    this.gates = gates;
    this.releaseInterval = releaseInterval;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    LedgerStage stage = LedgerStage.open(context, gates, "plugin-caps", PolicyTopology.PLUGIN_CAPS_HELD_STORE, PolicyTopology.PLUGIN_CAPS_STATE_STORE,
        releaseInterval, this::releasePass);
    this.emit = stage.emit();
    this.held = stage.held();
    this.state = stage.state();
    this.ledger = stage.ledger();
  }

  @Override
  public void process(Record<String, SpecificRecord> record) {
    long now = context.currentSystemTimeMs();
    if (waiting == null) {
      releasePass(now);
    }
    String plugin = record.key().substring(KEY_PREFIX.length());
    if (record.value() instanceof RequestStatus status) {
      ledger.finish(status.getRequestId(), status.getTenantId());
    } else if (record.value() instanceof RoutedTask task) {
      String gateHop = TraceContext.get(record.headers());
      try {
        emit.tracedAs(gateHop);
        onCapped(plugin, task, gateHop, now);
      } finally {
        emit.tracedAs(null);
      }
    } else {
      throw new IllegalArgumentException("the plugin-cap stage accepts RoutedTask and RequestStatus, got " + record.value());
    }
  }

  private void onCapped(String plugin, RoutedTask task, String gateHop, long now) {
    TaskRequest request = task.getRequest();
    PluginCap cap = gates.current().policy().limits().plugins().get(plugin);
    int queued = waiting.getOrDefault(plugin, 0);
    if (cap == null || queued == 0 && ledger.tryStart(request.getRequestId(), request.getTenantId(), null, List.of(cap.asRule()), Set.of(), now)
        instanceof LimitLedger.Admit) {
      emit.route(request, task.getDecision(), task.getApprovals(), now);
      return;
    }
    if (queued >= PluginCap.MAX_HELD) {
      emit.block(request, task.getDecision(), Reason.RATE_LIMITED, PluginCap.MAX_HELD + " tasks already wait for plugin " + plugin + "'s cap ("
          + cap.describe() + ")", null, now);
      return;
    }
    String place = plugin + "|" + request.getTenantId() + "|" + nextPlace();
    held.put(place, task);
    if (gateHop != null) {
      state.put(TRACE_PREFIX + place, gateHop);
    }
    waiting.merge(plugin, 1, Integer::sum);
    emit.status(request, task.getDecision(), Outcome.HELD, Reason.RATE_LIMITED, "waits for plugin " + plugin + "'s cap (" + cap.describe()
        + "), shared round-robin between tenants", now);
  }

  /** Offers each plugin's waiting tasks to its cap in fair order until the cap refuses one. */
  private void releasePass(long now) {
    PolicyGate gate = gates.current();
    Map<String, Map<String, Deque<KeyValue<String, RoutedTask>>>> byPlugin = new TreeMap<>();
    try (KeyValueIterator<String, RoutedTask> all = held.all()) {
      all.forEachRemaining(kv -> {
        String[] place = kv.key.split("\\|", 3);
        byPlugin.computeIfAbsent(place[0], p -> new HashMap<>()).computeIfAbsent(place[1], t -> new ArrayDeque<>()).add(kv);
      });
    }
    waiting = new HashMap<>();
    byPlugin.forEach((plugin, queues) -> {
      PluginCap cap = gate.policy().limits().plugins().get(plugin);
      List<KeyValue<String, RoutedTask>> order = FairShare.order(queues, state.get(SERVED_PREFIX + plugin));
      int left = order.size();
      for (KeyValue<String, RoutedTask> entry : order) {
        TaskRequest request = entry.value.getRequest();
        if (cap != null && ledger.tryStart(request.getRequestId(), request.getTenantId(), null, List.of(cap.asRule()), Set.of(), now)
            instanceof LimitLedger.Over) {
          break;
        }
        left--;
        state.put(SERVED_PREFIX + plugin, request.getTenantId());
        release(entry, gate, now);
      }
      if (left > 0) {
        waiting.put(plugin, left);
      }
    });
  }

  private void release(KeyValue<String, RoutedTask> entry, PolicyGate gate, long now) {
    TaskRequest request = entry.value.getRequest();
    try {
      emit.tracedAs(state.get(TRACE_PREFIX + entry.key));
      held.delete(entry.key);
      state.delete(TRACE_PREFIX + entry.key);
      Verdict verdict = gate.recheckHeld(entry.value, now);
      if (verdict instanceof Verdict.Route route) {
        emit.route(request, route.decision(), route.approvals(), now);
      } else if (verdict instanceof Verdict.Block block) {
        ledger.finish(request.getRequestId(), request.getTenantId());
        emit.block(request, block.decision(), block.reason(), block.detail(), block.auditType(), now);
      }
    } finally {
      emit.tracedAs(null);
    }
  }

  private String nextPlace() {
    String last = state.get(PLACE_KEY);
    long next = last == null ? 0 : Long.parseLong(last) + 1;
    state.put(PLACE_KEY, Long.toString(next));
    return String.format(java.util.Locale.ROOT, "%019d", next);
  }
}
