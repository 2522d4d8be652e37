package io.fabric.gateway.http;

import io.fabric.contracts.RequestStatus;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The gateway's read model of {@code fabric.requests.status}: a table partitioned like the topic and
 * shared by every gateway instance (one application id), so each instance holds some partitions and
 * knows from Kafka Streams' metadata ({@code application.server}) which instance holds the others.
 * The topic is compacted and is its own changelog ({@code reuse.ktable.source.topics}): the store adds
 * no topic.
 */
public final class StatusStore implements StatusReads, AutoCloseable {
  /** Stage and application id suffix: every gateway instance of a fabric joins this one group. */
  public static final String STAGE = "gateway-status";
  /** A store name is a contract (state dirs and metadata name it); the global table before it was {@code request-status}. */
  public static final String STORE = "request-status-by-id";

  private final StreamsApp app;
  private final HostInfo self;
  private final TopicCatalog catalog;

  private StatusStore(StreamsApp app, HostInfo self, TopicCatalog catalog) {
    this.app = app;
    this.self = self;
    this.catalog = catalog;
  }

  public static Topology topology(TopicCatalog catalog, Properties props) {
    StreamsBuilder builder = new StreamsBuilder(FabricStreamsConfig.topologyConfig(props));
    builder.table(catalog.requestStatus.name(),
        Consumed.with(catalog.requestStatus.keySerde(), catalog.requestStatus.valueSerde()).withName("status-by-id-source"),
        Materialized.<String, RequestStatus, KeyValueStore<Bytes, byte[]>>as(STORE)
            .withKeySerde(catalog.requestStatus.keySerde()).withValueSerde(catalog.requestStatus.valueSerde()));
    return builder.build(props);
  }

  /**
   * Starts the store and waits until it has its partitions.
   *
   * @param advertised this instance's HTTP address ({@code host:port}) as other instances reach it
   */
  public static StatusStore start(KafkaConnection connection, TopicCatalog catalog, Path stateDir, String advertised,
                                  Map<String, Object> overrides) {
    Map<String, Object> settings = new HashMap<>();
    // Nothing is written, so transactions buy nothing here. What it reads is written in transactions: it
    // still reads committed only (FabricStreamsConfig sets that for every app), or it would serve a status
    // from a transaction that then aborts, or not committed yet, which `fabric approve` could not find.
    settings.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE);
    settings.put(StreamsConfig.TOPOLOGY_OPTIMIZATION_CONFIG, StreamsConfig.REUSE_KTABLE_SOURCE_TOPICS);
    settings.put(StreamsConfig.APPLICATION_SERVER_CONFIG, advertised);
    settings.putAll(overrides);
    Properties props = FabricStreamsConfig.forApp(connection, catalog, catalog.applicationId(STAGE), STAGE, stateDir, settings);
    StreamsApp app = new StreamsApp(STAGE, topology(catalog, props), props);
    try {
      app.startAndAwait(Duration.ofSeconds(60));
    } catch (RuntimeException e) {
      app.close();
      throw e;
    }
    return new StatusStore(app, HostInfo.buildFromEndpoint(advertised), catalog);
  }

  @Override
  public Location locate(String requestId) {
    try {
      KeyQueryMetadata metadata = app.streams().queryMetadataForKey(STORE, requestId, catalog.requestStatus.keySerde().serializer());
      if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE)) {
        return new Location.NotReady("the status store is rebalancing");
      }
      if (!metadata.activeHost().equals(self)) {
        return new Location.Elsewhere(metadata.activeHost().host() + ":" + metadata.activeHost().port());
      }
      ReadOnlyKeyValueStore<String, RequestStatus> store = app.streams().store(
          StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.<String, RequestStatus>keyValueStore())
              .withPartition(metadata.partition()));
      return new Location.Here(Optional.ofNullable(store.get(requestId)));
    } catch (InvalidStateStoreException | IllegalStateException e) {
      return new Location.NotReady("the status store is not queryable yet: " + e.getMessage());
    }
  }

  /** The status if this instance holds it (a single-instance fabric holds everything). */
  public Optional<RequestStatus> find(String requestId) {
    return locate(requestId) instanceof Location.Here here ? here.status() : Optional.empty();
  }

  @Override
  public boolean ready() {
    return app.caughtUp();
  }

  /** The Streams client, for its metrics. */
  public KafkaStreams streams() {
    return app.streams();
  }

  public boolean isRunning() {
    return app.isRunning();
  }

  @Override
  public void close() {
    app.close();
  }
}
