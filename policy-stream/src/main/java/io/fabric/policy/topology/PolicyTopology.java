package io.fabric.policy.topology;

import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.TaskRequest;
import io.fabric.policy.PolicyGate;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.topics.TopicCatalog;
import java.time.Duration;
import java.util.Properties;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.BranchedKStream;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.streams.FabricStreamsConfig;

/**
 * The policy-stream topology, built by one function so tests run exactly what production runs.
 *
 * <pre>
 * ingress -> validate --invalid--> blocked + status
 *            \-> keyed (tenant|idempotency key)? ------------------------+-> deduplicate --dup--> status DUPLICATE
 *             \-> keyed otherwise: re-key -> repartition by-idempotency-key -/        |
 *                                                  first: key by flow id -> repartition by-flow -+-> gate -> routed | blocked
 * approvals (keyed by flow id) --------------------------------------------------------------/     | pending | status | audit
 * </pre>
 */
public final class PolicyTopology {
  public static final String IDEMPOTENCY_STORE = "idempotency-keys";
  public static final String FLOW_OWNERS_STORE = "flow-owners";
  public static final String PENDING_STORE = "pending-approvals";
  public static final String USED_NONCES_STORE = "used-nonces";
  public static final Duration DEFAULT_SLA_CHECK_INTERVAL = Duration.ofSeconds(1);

  private PolicyTopology() {}

  public static Topology build(TopicCatalog catalog, PolicyGate gate, Duration slaCheckInterval, Properties streamsProps) {
    StreamsBuilder builder = new StreamsBuilder(FabricStreamsConfig.topologyConfig(streamsProps));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(IDEMPOTENCY_STORE), Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FLOW_OWNERS_STORE), Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), Serdes.String(),
        AvroSerde.of(PendingApproval.class)));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(USED_NONCES_STORE), Serdes.String(), Serdes.Long()));

    KStream<String, TaskRequest> ingress = builder.stream(catalog.ingress.name(),
        Consumed.with(catalog.ingress.keySerde(), catalog.ingress.valueSerde()).withName("ingress-source"));

    BranchedKStream<String, TaskRequest> validated = ingress.split(Named.as("validate-"));
    validated.branch((flow, request) -> gate.invalid(request, 0).isPresent(), Branched.withConsumer(invalid ->
        OutcomeSinks.attach(invalid.process(() -> new InvalidRequestProcessor(gate), Named.as("block-invalid")), catalog, "invalid"), "invalid"));
    validated.defaultBranch(Branched.withConsumer(valid -> deduplicateAndGate(builder, valid, catalog, gate, slaCheckInterval), "valid"));
    return builder.build();
  }

  private static void deduplicateAndGate(StreamsBuilder builder, KStream<String, TaskRequest> valid, TopicCatalog catalog,
                                         PolicyGate gate, Duration slaCheckInterval) {
    // FabricClient keys ingress by (tenant, idempotency key) already; only records keyed otherwise
    // take the extra trip through the repartition topic (same partition count, same partitioner, so
    // both paths of one key meet in the same task and store)
    KStream<String, TaskRequest> keyedForDedup = valid.filter(IngressKey::matches, Named.as("keyed-by-idempotency-key"));
    KStream<String, TaskRequest> rekeyed = valid.filterNot(IngressKey::matches, Named.as("keyed-otherwise"))
        .selectKey((key, request) -> IngressKey.of(request), Named.as("key-by-idempotency-key"))
        .repartition(Repartitioned.<String, TaskRequest>as("by-idempotency-key")
            .withKeySerde(Serdes.String()).withValueSerde(catalog.ingress.valueSerde())
            .withNumberOfPartitions(catalog.partitions()));
    KStream<String, SpecificRecord> deduplicated = keyedForDedup.merge(rekeyed, Named.as("requests-by-idempotency-key"))
        .process(() -> new DeduplicateProcessor(gate.policy().duplicateWindow()), Named.as("deduplicate"), IDEMPOTENCY_STORE);

    BranchedKStream<String, SpecificRecord> fresh = deduplicated.split(Named.as("dedup-"));
    fresh.branch((key, value) -> !(value instanceof TaskRequest), Branched.withConsumer(duplicates ->
        OutcomeSinks.attach(duplicates, catalog, "duplicate"), "duplicate"));
    fresh.defaultBranch(Branched.withConsumer(firsts -> {
      KStream<String, SpecificRecord> requestsByFlow = firsts
          .mapValues(value -> (TaskRequest) value, Named.as("as-request"))
          .selectKey((key, request) -> request.getFlowId(), Named.as("key-by-flow"))
          .repartition(Repartitioned.<String, TaskRequest>as("by-flow")
              .withKeySerde(Serdes.String()).withValueSerde(catalog.ingress.valueSerde())
              .withNumberOfPartitions(catalog.partitions()))
          .mapValues(request -> (SpecificRecord) request, Named.as("request-to-gate"));
      KStream<String, SpecificRecord> tokens = builder.stream(catalog.approvals.name(),
              Consumed.with(catalog.approvals.keySerde(), catalog.approvals.valueSerde()).withName("approvals-source"))
          .mapValues(token -> (SpecificRecord) token, Named.as("token-to-gate"));
      KStream<String, SpecificRecord> outcomes = requestsByFlow.merge(tokens, Named.as("requests-and-tokens"))
          .process(() -> new GateProcessor(gate, slaCheckInterval), Named.as("policy-gate"), FLOW_OWNERS_STORE, PENDING_STORE, USED_NONCES_STORE);
      OutcomeSinks.attach(outcomes, catalog, "gate");
    }, "first"));
  }
}
