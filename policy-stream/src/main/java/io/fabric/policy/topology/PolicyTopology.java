package io.fabric.policy.topology;

import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.PolicyGate;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.tracing.FabricTracing;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The policy-stream topology, built by one function so tests run exactly what production runs. It
 * reads top to bottom; each stage is keyed by what it must see all of:
 *
 * <pre>
 * ingress, replays -> admit --invalid-------------------------------------------------+
 *                          \--in place----------------------------+                   |
 *                           \--misplaced -> repartition by-idempotency-key -+-> deduplicate (tenant|key)
 *                                                                                      |
 *                            repartition by-request-id <-------------------------------+
 *                            -> claim-request-id (request id; spends replays) --outcomes--> sink (status, blocked, audit)
 *                            -> repartition by-flow -+-> policy-gate (flow id) --outcomes--> sink (blocked, pending, status, audit)
 * approvals (keyed by flow) --------------------------/        \--allowed--> repartition allowed-by-tenant -+
 *                                                                                                           +-> limits (tenant) --> sink (routed, blocked, status)
 * status (final: SlotRelease)   -> route-final-statuses --> repartition finals-by-tenant -------------------/      \--capped plugin--+
 *                                                    \--> repartition capped-finals-by-plugin --+-> plugin-caps (plugin) <-- repartition capped-by-plugin
 *                                                                                                      --> sink (routed, blocked, status)
 * </pre>
 *
 * Store, repartition and node names are contracts (changelogs and internal topics are named after
 * them): {@code src/test/resources/policy-topology.txt} is the committed snapshot.
 */
public final class PolicyTopology {
  public static final String IDEMPOTENCY_STORE = "idempotency-keys";
  public static final String REQUEST_IDS_STORE = "request-ids";
  public static final String FLOW_OWNERS_STORE = "flow-owners";
  public static final String PENDING_STORE = "pending-approvals";
  public static final String USED_NONCES_STORE = "used-nonces";
  /**
   * Replays the gate admitted, by their signed identity, until no copy can pass any more (request-id
   * stage, keyed by request id): a signed replay runs once (see {@code SpentReplays}).
   */
  public static final String USED_REPLAYS_STORE = "used-replays";
  /** Tasks the gate allowed that wait for their limits, by arrival order (limits stage, keyed by tenant). */
  public static final String LIMITS_HELD_STORE = "limits-held";
  /** The limits' budgets: token buckets, slots in flight, the slots each released request holds. */
  public static final String LIMITS_STATE_STORE = "limits-state";
  /** Tasks waiting for their plugin's cap ({@code limits.plugins}), by plugin, tenant and arrival. */
  public static final String PLUGIN_CAPS_HELD_STORE = "plugin-caps-held";
  /** The plugin caps' budgets and the tenant each plugin served last. */
  public static final String PLUGIN_CAPS_STATE_STORE = "plugin-caps-state";
  /** The global store of the policy topic: every instance holds the latest published policy. */
  public static final String PUBLISHED_POLICY_STORE = "published-policy";
  /** Requests held while a breaker pauses their tenant or submitter, by arrival sequence. */
  public static final String PAUSED_STORE = "paused-requests";
  /** The global store of the breakers topic: what every instance believes is tripped (see {@code BreakerBoard}). */
  public static final String BREAKERS_STORE = "breakers";
  /** The breaker stage's windowed counters and trips, by scope. */
  public static final String BREAKER_COUNTERS_STORE = "breaker-counters";
  public static final String BY_BREAKER_SCOPE_REPARTITION = "by-breaker-scope";
  /** Repartition names: with the application id they name the repartition topics, so they are contracts too. */
  public static final String BY_IDEMPOTENCY_KEY_REPARTITION = "by-idempotency-key";
  public static final String BY_REQUEST_ID_REPARTITION = "by-request-id";
  public static final String BY_FLOW_REPARTITION = "by-flow";
  /** Allowed tasks to the limits stage, by tenant. */
  public static final String ALLOWED_BY_TENANT_REPARTITION = "allowed-by-tenant";
  /** Final statuses ({@code SlotRelease}: EXECUTED, DEAD_LETTER, BLOCKED, ...) to the limits stage, by tenant: they free concurrency slots. */
  public static final String FINALS_BY_TENANT_REPARTITION = "finals-by-tenant";
  /** Tasks of capped plugins to the plugin-cap stage, by plugin. */
  public static final String CAPPED_BY_PLUGIN_REPARTITION = "capped-by-plugin";
  /** Final statuses of capped plugins' tasks to the plugin-cap stage, by plugin. */
  public static final String CAPPED_FINALS_BY_PLUGIN_REPARTITION = "capped-finals-by-plugin";
  /** How often held tasks are checked for release. */
  public static final Duration LIMITS_RELEASE_INTERVAL = Duration.ofMillis(200);
  /** How often the limits and plugin-cap stages look for slots held past {@code limits.slot_lease}. */
  public static final Duration SLOT_LEASE_CHECK_INTERVAL = Duration.ofSeconds(10);
  public static final Duration DEFAULT_SLA_CHECK_INTERVAL = Duration.ofSeconds(1);

  private PolicyTopology() {}

  public static Topology build(TopicCatalog catalog, PolicyGate gate, Duration slaCheckInterval, Properties streamsProps) {
    return build(catalog, gate, slaCheckInterval, streamsProps, FabricTracing.noop());
  }

  /** @param tracing the gate's spans (see {@link GateTracing}); {@link FabricTracing#noop()} passes trace context on unchanged */
  public static Topology build(TopicCatalog catalog, PolicyGate gate, Duration slaCheckInterval, Properties streamsProps,
                               FabricTracing tracing) {
    return build(catalog, gate, slaCheckInterval, streamsProps, tracing, true);
  }

  /**
   * @param publishedPolicy whether the gate decides by the policy published on the policy topic (a global
   *     store; needs the topic to exist) or only by {@code gate}'s policy, as before the topic existed
   */
  public static Topology build(TopicCatalog catalog, PolicyGate gate, Duration slaCheckInterval, Properties streamsProps,
                               FabricTracing tracing, boolean publishedPolicy) {
    return build(catalog, gate, slaCheckInterval, streamsProps, tracing, publishedPolicy, publishedPolicy);
  }

  /**
   * @param breakers whether the policy's breakers run: a global store of the breakers topic (which must
   *     exist) and the stage that measures audit events, dead letters and routed tasks by scope
   */
  public static Topology build(TopicCatalog catalog, PolicyGate gate, Duration slaCheckInterval, Properties streamsProps,
                               FabricTracing tracing, boolean publishedPolicy, boolean breakers) {
    GateTracing gateTracing = new GateTracing(tracing);
    StreamsBuilder builder = new StreamsBuilder(FabricStreamsConfig.topologyConfig(streamsProps));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IDEMPOTENCY_STORE), Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(REQUEST_IDS_STORE), Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FLOW_OWNERS_STORE), Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), Serdes.String(),
        AvroSerde.of(PendingApproval.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(USED_NONCES_STORE), Serdes.String(), Serdes.Long()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(USED_REPLAYS_STORE), Serdes.String(), Serdes.Long()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LIMITS_HELD_STORE), Serdes.String(),
        AvroSerde.of(RoutedTask.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LIMITS_STATE_STORE), Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PLUGIN_CAPS_HELD_STORE), Serdes.String(),
        AvroSerde.of(RoutedTask.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PLUGIN_CAPS_STATE_STORE), Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PAUSED_STORE), Serdes.String(),
        AvroSerde.of(TaskRequest.class)));

    // 1. admit: validate once where a request enters; key it by tenant|idempotency key
    KStream<String, TaskRequest> ingress = builder.stream(catalog.ingress.name(),
        Consumed.with(catalog.ingress.keySerde(), catalog.ingress.valueSerde()).withName("ingress-source"));
    KStream<String, TaskRequest> replays = builder.stream(catalog.replays.name(),
        Consumed.with(catalog.replays.keySerde(), catalog.replays.valueSerde()).withName("replays-source"));
    Map<String, KStream<String, Admission>> admitted = ingress.merge(replays, Named.as("requests-entering"))
        .process(() -> new AdmitProcessor(new GateSource(gate, publishedPolicy), catalog.replays.name(), catalog.partitions()), Named.as("admit"))
        .split(Named.as("admitted-"))
        .branch((key, admission) -> admission instanceof Admission.Invalid, Branched.as("invalid"))
        .branch((key, admission) -> admission instanceof Admission.InPlace, Branched.as("in-place"))
        .defaultBranch(Branched.as("misplaced"));

    // 2. deduplicate by tenant|idempotency key, on the partition that key belongs to
    KStream<String, TaskRequest> misplaced = admitted.get("admitted-misplaced")
        .mapValues(Admission::request, Named.as("misplaced-request"))
        .repartition(Repartitioned.<String, TaskRequest>as(BY_IDEMPOTENCY_KEY_REPARTITION)
            .withKeySerde(Serdes.String()).withValueSerde(catalog.ingress.valueSerde()).withNumberOfPartitions(catalog.partitions()));
    KStream<String, TaskRequest> deduplicated = admitted.get("admitted-in-place")
        .mapValues(Admission::request, Named.as("in-place-request"))
        .merge(misplaced, Named.as("requests-by-idempotency-key"))
        .process(() -> new DeduplicateProcessor(gate.policy().duplicateWindow()), Named.as("deduplicate"), IDEMPOTENCY_STORE);

    // Declared here, before the request-id stage, so the gate stays sub-topology 1 as in earlier
    // versions (sub-topologies are numbered by first node; task ids and state directories follow)
    KStream<String, SpecificRecord> tokens = builder.stream(catalog.approvals.name(),
            Consumed.with(catalog.approvals.keySerde(), catalog.approvals.valueSerde()).withName("approvals-source"))
        .mapValues(token -> (SpecificRecord) token, Named.as("token-to-gate"));

    // 3. claim the request id (any tenant); the only step before the gate that writes statuses. A replay
    //    is also spent here (used-replays): its copies are refused in the task that forwards it, in one
    //    transaction, and every copy reaches this task whatever Kafka key or partition its producer chose,
    //    since the stage is keyed by the request id the replayer's signature covers (a copy under another
    //    key is misplaced at admit and comes through by-idempotency-key, whose key is signed too)
    KStream<String, TaskRequest> invalid = admitted.get("admitted-invalid").mapValues(Admission::request, Named.as("invalid-request"));
    Map<String, KStream<String, SpecificRecord>> claimed = deduplicated.merge(invalid, Named.as("requests-with-early-verdicts"))
        .selectKey((key, request) -> request.getRequestId(), Named.as("key-by-request-id"))
        .repartition(Repartitioned.<String, TaskRequest>as(BY_REQUEST_ID_REPARTITION)
            .withKeySerde(Serdes.String()).withValueSerde(catalog.ingress.valueSerde()).withNumberOfPartitions(catalog.partitions()))
        .process(() -> new ClaimRequestIdProcessor(gate.retention().requestIds(), gate.requiresSignedRequests(), gate.replaySignatureLifetime()),
            Named.as("claim-request-id"), REQUEST_IDS_STORE, USED_REPLAYS_STORE)
        .split(Named.as("claimed-"))
        .branch((key, value) -> value instanceof TaskRequest, Branched.as("request"))
        .defaultBranch(Branched.as("outcome"));
    OutcomeSink.attach(claimed.get("claimed-outcome"), catalog, "claim");

    // 4. the gate, by flow id, where approval tokens meet the requests they name
    KStream<String, SpecificRecord> requestsByFlow = claimed.get("claimed-request")
        .mapValues(value -> (TaskRequest) value, Named.as("as-request"))
        .selectKey((key, request) -> request.getFlowId(), Named.as("key-by-flow"))
        .repartition(Repartitioned.<String, TaskRequest>as(BY_FLOW_REPARTITION)
            .withKeySerde(Serdes.String()).withValueSerde(catalog.ingress.valueSerde()).withNumberOfPartitions(catalog.partitions()))
        .mapValues(request -> (SpecificRecord) request, Named.as("request-to-gate"));
    KStream<String, SpecificRecord> outcomes = requestsByFlow.merge(tokens, Named.as("requests-and-tokens"))
        .process(() -> new GateProcessor(new GateSource(gate, publishedPolicy), slaCheckInterval, gateTracing, new BreakerBoardView(breakers)),
            Named.as("policy-gate"), FLOW_OWNERS_STORE, PENDING_STORE, USED_NONCES_STORE, PAUSED_STORE);
    Map<String, KStream<String, SpecificRecord>> decided = outcomes.split(Named.as("gate-"))
        .branch((key, value) -> value instanceof RoutedTask, Branched.as("allowed"))
        .defaultBranch(Branched.as("outcome"));
    OutcomeSink.attach(decided.get("gate-outcome"), catalog, "gate");

    // 5. the limits, by tenant: an allowed task starts, waits in order, or is blocked RATE_LIMITED; final statuses free slots
    KStream<String, SpecificRecord> allowed = decided.get("gate-allowed")
        .mapValues(value -> (RoutedTask) value, Named.as("as-allowed"))
        .selectKey((key, task) -> task.getRequest().getTenantId(), Named.as("key-allowed-by-tenant"))
        .repartition(Repartitioned.<String, RoutedTask>as(ALLOWED_BY_TENANT_REPARTITION)
            .withKeySerde(Serdes.String()).withValueSerde(catalog.routed.valueSerde()).withNumberOfPartitions(catalog.partitions()))
        .mapValues(task -> (SpecificRecord) task, Named.as("allowed-to-limits"));
    Map<String, KStream<String, RequestStatus>> finals = builder.stream(catalog.requestStatus.name(),
            Consumed.with(catalog.requestStatus.keySerde(), catalog.requestStatus.valueSerde()).withName("status-source"))
        .process(() -> new FinalStatusRouter(new GateSource(gate, publishedPolicy)), Named.as("route-final-statuses"))
        .split(Named.as("finals-"))
        .branch((key, status) -> key.startsWith(PluginCapProcessor.KEY_PREFIX), Branched.as("capped"))
        .defaultBranch(Branched.as("by-tenant"));
    KStream<String, SpecificRecord> finalsByTenant = finals.get("finals-by-tenant")
        .repartition(Repartitioned.<String, RequestStatus>as(FINALS_BY_TENANT_REPARTITION)
            .withKeySerde(Serdes.String()).withValueSerde(catalog.requestStatus.valueSerde()).withNumberOfPartitions(catalog.partitions()))
        .mapValues(status -> (SpecificRecord) status, Named.as("final-to-limits"));
    Map<String, KStream<String, SpecificRecord>> limited = allowed.merge(finalsByTenant, Named.as("allowed-and-finals"))
        .process(() -> new LimitProcessor(new GateSource(gate, publishedPolicy), LIMITS_RELEASE_INTERVAL), Named.as("limits"),
            LIMITS_HELD_STORE, LIMITS_STATE_STORE)
        .split(Named.as("limited-"))
        .branch((key, value) -> value instanceof RoutedTask && key.startsWith(PluginCapProcessor.KEY_PREFIX), Branched.as("capped"))
        .defaultBranch(Branched.as("outcome"));
    OutcomeSink.attach(limited.get("limited-outcome"), catalog, "limits");

    // 6. the plugin caps, by plugin: tasks of a capped plugin start under its cap, round-robin between tenants
    KStream<String, SpecificRecord> capped = limited.get("limited-capped")
        .mapValues(value -> (RoutedTask) value, Named.as("as-capped"))
        .repartition(Repartitioned.<String, RoutedTask>as(CAPPED_BY_PLUGIN_REPARTITION)
            .withKeySerde(Serdes.String()).withValueSerde(catalog.routed.valueSerde()).withNumberOfPartitions(catalog.partitions()))
        .mapValues(task -> (SpecificRecord) task, Named.as("capped-to-plugin-caps"));
    KStream<String, SpecificRecord> cappedFinals = finals.get("finals-capped")
        .repartition(Repartitioned.<String, RequestStatus>as(CAPPED_FINALS_BY_PLUGIN_REPARTITION)
            .withKeySerde(Serdes.String()).withValueSerde(catalog.requestStatus.valueSerde()).withNumberOfPartitions(catalog.partitions()))
        .mapValues(status -> (SpecificRecord) status, Named.as("final-to-plugin-caps"));
    KStream<String, SpecificRecord> started = capped.merge(cappedFinals, Named.as("capped-and-finals"))
        .process(() -> new PluginCapProcessor(new GateSource(gate, publishedPolicy), LIMITS_RELEASE_INTERVAL), Named.as("plugin-caps"),
            PLUGIN_CAPS_HELD_STORE, PLUGIN_CAPS_STATE_STORE);
    OutcomeSink.attach(started, catalog, "plugin-caps");

    // 7. the published policy, in every instance: added last, so the sub-topologies above keep their numbers
    if (publishedPolicy) {
      builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PUBLISHED_POLICY_STORE), Serdes.String(), Serdes.String())
              .withLoggingDisabled(),
          catalog.policy.name(), Consumed.with(catalog.policy.keySerde(), catalog.policy.valueSerde()).withName("policy-source"),
          PublishedPolicyUpdater::new);
    }

    // 8. breakers: measure by scope, trip, record trips; every instance reads trips and verified resets into a global store
    if (breakers) {
      addBreakers(builder, catalog, gate, publishedPolicy, slaCheckInterval);
    }
    return builder.build();
  }

  private static void addBreakers(StreamsBuilder builder, TopicCatalog catalog, PolicyGate gate, boolean publishedPolicy, Duration syncInterval) {
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BREAKER_COUNTERS_STORE), Serdes.String(), Serdes.String()));
    KStream<String, Object> audit = builder.stream(catalog.audit.name(),
        Consumed.with(catalog.audit.keySerde(), catalog.audit.valueSerde()).withName("breaker-audit-source")).mapValues(v -> (Object) v, Named.as("audit-to-measure"));
    KStream<String, Object> dlq = builder.stream(catalog.dlq.name(),
        Consumed.with(catalog.dlq.keySerde(), catalog.dlq.valueSerde()).withName("breaker-dlq-source")).mapValues(v -> (Object) v, Named.as("dlq-to-measure"));
    KStream<String, Object> routed = builder.stream(catalog.routed.name(),
        Consumed.with(catalog.routed.keySerde(), catalog.routed.valueSerde()).withName("breaker-routed-source")).mapValues(v -> (Object) v, Named.as("routed-to-measure"));
    Map<String, KStream<String, Object>> judged = audit.merge(dlq, Named.as("audit-and-dead-letters")).merge(routed, Named.as("breaker-inputs"))
        .process(() -> new MeasureProcessor(new GateSource(gate, publishedPolicy)), Named.as("measure"))
        .repartition(Repartitioned.<String, String>as(BY_BREAKER_SCOPE_REPARTITION)
            .withKeySerde(Serdes.String()).withValueSerde(Serdes.String()).withNumberOfPartitions(catalog.partitions()))
        .process(() -> new BreakerProcessor(new GateSource(gate, publishedPolicy), new BreakerBoardView(true), syncInterval), Named.as("breaker"),
            BREAKER_COUNTERS_STORE)
        .split(Named.as("breaker-"))
        .branch((key, value) -> value instanceof String, Branched.as("trips"))
        .defaultBranch(Branched.as("audit"));
    judged.get("breaker-trips").mapValues(value -> (String) value, Named.as("as-trip"))
        .to(catalog.breakers.name(), Produced.with(catalog.breakers.keySerde(), catalog.breakers.valueSerde()).withName("breakers-sink"));
    OutcomeSink.attach(judged.get("breaker-audit").mapValues(value -> (SpecificRecord) value, Named.as("as-audit")), catalog, "breaker");
    builder.addGlobalStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BREAKERS_STORE), Serdes.String(), Serdes.String())
            .withLoggingDisabled(),
        catalog.breakers.name(), Consumed.with(catalog.breakers.keySerde(), catalog.breakers.valueSerde()).withName("breakers-source"),
        () -> new BreakerBoardUpdater(gate.breakerResets()));
  }
}
