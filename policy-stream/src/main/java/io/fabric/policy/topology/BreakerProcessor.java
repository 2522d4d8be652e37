package io.fabric.policy.topology;

import io.fabric.contracts.AuditEvent;
import io.fabric.policy.breakers.BreakerRecords;
import io.fabric.policy.breakers.BreakerTrip;
import io.fabric.policy.breakers.Measurement;
import io.fabric.policy.breakers.ScopeCounters;
import io.fabric.schemas.records.AuditEvents;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by scope ({@code tenant:NAME}, {@code submitter:NAME}): counts each measurement in the
 * breakers of the policy in force ({@link ScopeCounters}); a breaker that reaches its threshold
 * writes its trip to {@code fabric.breakers} and an audit event {@value #TRIPPED}. It also watches
 * the board: a verified reset lifts the trip here, and a trip the board lost is written again.
 */
final class BreakerProcessor implements Processor<String, String, String, Object> {
  static final String TRIPPED = "BREAKER_TRIPPED";
  static final String RESET = "BREAKER_RESET";
  private final GateSource gates;
  private final BreakerBoardView board;
  private final Duration syncInterval;
  private ProcessorContext<String, Object> context;
  private KeyValueStore<String, String> scopes;

  BreakerProcessor(GateSource gates, BreakerBoardView board, Duration syncInterval) {
    this.gates = gates;
    this.board = board;
    this.syncInterval = syncInterval;
  }

  @Override
  public void init(ProcessorContext<String, Object> context) {
    this.context = context;
    gates.init(context);
    board.init(context);
    scopes = context.getStateStore(PolicyTopology.BREAKER_COUNTERS_STORE);
    context.schedule(syncInterval, PunctuationType.WALL_CLOCK_TIME, this::sync);
  }

  @Override
  public void process(Record<String, String> record) {
    Optional<Measurement> m = Measurement.decode(record.value());
    if (record.key() == null || m.isEmpty()) {
      return;
    }
    long now = context.currentSystemTimeMs();
    ScopeCounters state = ScopeCounters.decode(scopes.get(record.key()));
    Optional<BreakerTrip> trip = state.observe(record.key(), gates.current().policy().breakers(), m.get(), now);
    save(record.key(), state);
    trip.ifPresent(t -> {
      writeTrip(t, now);
      audit(TRIPPED, t, "breaker " + t.rule() + " tripped for " + t.scope() + " (reached " + t.total() + "); trip " + t.tripId()
          + (t.hold() ? ": its requests are held PAUSED" : ": its requests are blocked PAUSED") + " until `fabric breakers reset`", now);
    });
  }

  private void sync(long now) {
    List<KeyValue<String, String>> all = new ArrayList<>();
    try (KeyValueIterator<String, String> it = scopes.all()) {
      it.forEachRemaining(all::add);
    }
    for (KeyValue<String, String> entry : all) {
      if (!entry.value.contains("\"trip\"")) {
        continue; // only counters: nothing to sync, pruned when next counted
      }
      ScopeCounters state = ScopeCounters.decode(entry.value);
      BreakerTrip trip = state.trip().orElse(null);
      switch (state.sync(board.entry(entry.key), now)) {
        case LIFTED -> audit(RESET, trip, "breaker " + trip.breaker() + " of " + trip.scope() + " reset by "
            + board.entry(entry.key).reset().approver() + ": " + board.entry(entry.key).reset().reason() + "; trip " + trip.tripId(), now);
        case REASSERT -> writeTrip(trip, now);
        default -> { }
      }
      // counters are pruned as they are used; a scope with nothing left is forgotten
      save(entry.key, state);
    }
  }

  private void save(String scope, ScopeCounters state) {
    if (state.isEmpty()) {
      scopes.delete(scope);
    } else {
      scopes.put(scope, state.encode());
    }
  }

  private void writeTrip(BreakerTrip trip, long now) {
    context.forward(new Record<>(trip.scope(), BreakerRecords.encode(trip), now));
  }

  private void audit(String type, BreakerTrip trip, String detail, long now) {
    AuditEvent event = AuditEvents.about(type, null, null, detail, now);
    event.setId(UUID.nameUUIDFromBytes((type + trip.tripId() + trip.scope()).getBytes(java.nio.charset.StandardCharsets.UTF_8)).toString());
    event.setTenantId(trip.tenant().isEmpty() ? null : trip.tenant());
    if (trip.scope().startsWith("submitter:")) {
      event.setSubmitter(trip.scope().substring("submitter:".length()));
    }
    context.forward(new Record<>(trip.scope(), event, now));
  }
}
