package io.fabric.router;

import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.streams.StreamsApp;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.util.Map;
import io.fabric.schemas.tracing.FabricTracing;
import java.util.Properties;

/** The router-stream deployable. */
public final class RouterApp {
  private RouterApp() {}

  public static StreamsApp create(KafkaConnection connection, TopicCatalog catalog, PluginRegistry registry, Path stateDir,
                                  Map<String, Object> overrides) {
    return create(connection, catalog, registry, stateDir, overrides, FabricTracing.noop());
  }

  public static StreamsApp create(KafkaConnection connection, TopicCatalog catalog, PluginRegistry registry, Path stateDir,
                                  Map<String, Object> overrides, FabricTracing tracing) {
    Properties props = FabricStreamsConfig.forApp(connection, catalog, catalog.applicationId(RouterTopology.STAGE), RouterTopology.STAGE, stateDir, overrides);
    return new StreamsApp(RouterTopology.STAGE, RouterTopology.build(catalog, new RouteTable(registry, catalog), props, tracing), props);
  }
}
