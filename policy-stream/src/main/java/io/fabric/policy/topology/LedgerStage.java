package io.fabric.policy.topology;

import io.fabric.contracts.RoutedTask;
import io.fabric.observability.FabricMetrics;
import io.fabric.policy.limits.LimitLedger;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.Punctuator;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * What a stage that holds requests against a {@link LimitLedger} (the limits stage, the plugin-cap
 * stage) opens in its {@code init}: its emitter, its held and state stores, the ledger over the state
 * store, and its two punctuators (the release pass, and the slot-lease backstop, {@link SlotLeases}).
 */
record LedgerStage(Emitter emit, KeyValueStore<String, RoutedTask> held, KeyValueStore<String, String> state, LimitLedger ledger) {

  static LedgerStage open(ProcessorContext<String, SpecificRecord> context, GateSource gates, String stage, String heldStore,
                          String stateStore, Duration releaseInterval, Punctuator releasePass) {
    Emitter emit = new Emitter(context::forward, FabricMetrics.from(context.appConfigs()));
    KeyValueStore<String, String> state = context.getStateStore(stateStore);
    LimitLedger ledger = new LimitLedger(new LedgerStore(state));
    gates.init(context);
    context.schedule(releaseInterval, PunctuationType.WALL_CLOCK_TIME, releasePass);
    // a slot whose final status never comes would hold its budget for ever: reclaim it after the policy's lease
    context.schedule(PolicyTopology.SLOT_LEASE_CHECK_INTERVAL, PunctuationType.WALL_CLOCK_TIME,
        now -> SlotLeases.reclaim(stage, ledger, gates.current().policy().limits().slotLease(), emit, now));
    return new LedgerStage(emit, context.getStateStore(heldStore), state, ledger);
  }
}
