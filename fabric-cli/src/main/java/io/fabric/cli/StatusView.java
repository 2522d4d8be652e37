package io.fabric.cli;

import io.fabric.contracts.RequestStatus;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * A queryable copy of {@code fabric.requests.status} (a global table, so one process answers for
 * every partition) behind {@code GET /v1/requests/{id}}.
 */
public final class StatusView implements AutoCloseable {
  /** Its stage; the application id adds a hash of the state dir, since every process keeps its own copy. */
  static final String STAGE = "status-view";
  public static final String STORE = "request-status";

  private final StreamsApp app;

  private StatusView(StreamsApp app) {
    this.app = app;
  }

  public static Topology topology(TopicCatalog catalog, Properties props) {
    StreamsBuilder builder = new StreamsBuilder(FabricStreamsConfig.topologyConfig(props));
    builder.globalTable(catalog.requestStatus.name(),
        Consumed.with(catalog.requestStatus.keySerde(), catalog.requestStatus.valueSerde()).withName("status-source"),
        Materialized.<String, RequestStatus, KeyValueStore<Bytes, byte[]>>as(STORE)
            .withKeySerde(catalog.requestStatus.keySerde()).withValueSerde(catalog.requestStatus.valueSerde()));
    return builder.build();
  }

  public static StatusView start(KafkaConnection connection, TopicCatalog catalog, Path stateDir) {
    // Each process keeps its own copy, so the application id is unique per state dir, not shared.
    String appId = catalog.applicationId(STAGE + "-" + Integer.toHexString(stateDir.toAbsolutePath().toString().hashCode()));
    Properties props = FabricStreamsConfig.forApp(connection, catalog, appId, STAGE, stateDir, Map.of());
    StreamsApp app = new StreamsApp(STAGE, topology(catalog, props), props);
    app.startAndAwait(Duration.ofSeconds(60));
    return new StatusView(app);
  }

  public Optional<RequestStatus> find(String requestId) {
    ReadOnlyKeyValueStore<String, RequestStatus> store = app.streams()
        .store(StoreQueryParameters.fromNameAndType(STORE, QueryableStoreTypes.keyValueStore()));
    return Optional.ofNullable(store.get(requestId));
  }

  public boolean isRunning() {
    return app.isRunning();
  }

  @Override
  public void close() {
    app.close();
  }
}
