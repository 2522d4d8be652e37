package io.fabric.plugins.testing;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.plugins.spi.RetryPolicy;
import java.time.Duration;
import java.util.List;

/** The test-only plugin set, registered explicitly rather than through ServiceLoader. */
public final class TestPlugins {
  public static final RetryPolicy FAST_RETRIES = new RetryPolicy(3, Duration.ofMillis(150), Duration.ofMillis(400));

  private TestPlugins() {}

  public static PluginRegistry registry(FabricPlugin... plugins) {
    return PluginRegistry.of(List.of(plugins));
  }
}
