package io.fabric.plugins.vendors;

import io.fabric.plugins.runtime.PluginRuntime;
import io.fabric.plugins.runtime.PluginRuntimeConfig;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * The media plugin's runtime alone in a JVM of its own, so a test can SIGKILL it mid-job:
 * {@code MediaRuntimeProcess <bootstrap> <topic prefix> <partitions> <plugin names, comma-separated>}; the
 * plugin reads its configuration from {@code -Dfabric.plugin.media.*}. Prints {@value #RUNNING} once
 * it owns its partitions. A short session timeout lets a restarted process take the partitions
 * back within seconds of a kill, and a fixed instance id aborts the killed one's open transaction.
 */
public final class MediaRuntimeProcess {
  static final String RUNNING = "media runtime running";

  private MediaRuntimeProcess() {}

  public static void main(String[] args) {
    KafkaConnection connection = new KafkaConnection(args[0], Map.of("session.timeout.ms", "6000", "heartbeat.interval.ms", "1500"));
    TopicCatalog catalog = TopicCatalog.create(args[1], Integer.parseInt(args[2]), List.of(args[3].split(",")));
    PluginRuntime runtime = new PluginRuntime(connection, catalog, new MediaPlugin(),
        PluginRuntimeConfig.defaults().withInstanceId("media-child").withJobs(null, Duration.ofMillis(50)));
    runtime.start();
    while (!runtime.caughtUp() || runtime.assignment().size() < catalog.partitions()) {
      if (runtime.failure().isPresent()) {
        runtime.failure().get().printStackTrace();
        System.exit(1);
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
    }
    System.out.println(RUNNING);
    System.out.flush();
    while (runtime.failure().isEmpty()) {
      LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    }
    System.exit(1);
  }
}
