package io.fabric.plugins.runtime;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of one {@link PluginRuntime}. Defaults live in {@link #defaults()}; a deployable
 * overrides them from properties with the {@value #PREFIX} keys via {@link #from(Map)}.
 *
 * @param instanceId distinguishes the runtimes of one plugin; part of the stable transactional id
 *                   {@code <prefix>fabric-plugin-<name>-<instance>}, so a restarted instance fences its zombie
 * @param pollTimeout longest wait in one poll
 * @param closeTimeout how long {@link PluginRuntime#close()} waits for the loop and clients
 * @param errorBackoff how long partitions stay paused after an aborted transaction before they are retried
 * @param maxPollRecords records per poll (each is its own transaction)
 * @param transactionTimeout the producer's {@code transaction.timeout.ms}: no transaction spans a
 *                           plugin call, so it can be short, which bounds how long a dead instance's
 *                           open transaction holds back read_committed readers of its partitions
 * @param canary consume the plugin's canary task topic (and group) instead of the normal one
 * @param crashPoint test hook, {@link CrashPoint#NONE} in production
 * @param clock source of checkpoint and attempt times
 */
public record PluginRuntimeConfig(String instanceId, Duration pollTimeout, Duration closeTimeout, Duration errorBackoff,
                                  int maxPollRecords, Duration transactionTimeout, boolean canary, CrashPoint crashPoint,
                                  Clock clock) {
  public static final String PREFIX = "fabric.plugin.runtime.";
  public static final String INSTANCE_ID = PREFIX + "instance.id";
  public static final String POLL_TIMEOUT_MS = PREFIX + "poll.timeout.ms";
  public static final String CLOSE_TIMEOUT_MS = PREFIX + "close.timeout.ms";
  public static final String ERROR_BACKOFF_MS = PREFIX + "error.backoff.ms";
  public static final String MAX_POLL_RECORDS = PREFIX + "max.poll.records";
  public static final String TRANSACTION_TIMEOUT_MS = PREFIX + "transaction.timeout.ms";
  public static final String CANARY = PREFIX + "canary";

  public PluginRuntimeConfig {
    if (instanceId == null || !instanceId.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("instance id must be letters, digits, '.', '_' or '-': " + instanceId);
    }
    if (maxPollRecords < 1) {
      throw new IllegalArgumentException("max poll records must be at least 1");
    }
    crashPoint = crashPoint == null ? CrashPoint.NONE : crashPoint;
    clock = clock == null ? Clock.systemUTC() : clock;
  }

  public static PluginRuntimeConfig defaults() {
    return new PluginRuntimeConfig("0", Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(1), 50,
        Duration.ofSeconds(15), false, CrashPoint.NONE, Clock.systemUTC());
  }

  /** The defaults overridden by whichever {@value #PREFIX} keys are present. */
  public static PluginRuntimeConfig from(Map<String, String> properties) {
    PluginRuntimeConfig d = defaults();
    return new PluginRuntimeConfig(
        properties.getOrDefault(INSTANCE_ID, d.instanceId()),
        millis(properties, POLL_TIMEOUT_MS, d.pollTimeout()),
        millis(properties, CLOSE_TIMEOUT_MS, d.closeTimeout()),
        millis(properties, ERROR_BACKOFF_MS, d.errorBackoff()),
        Integer.parseInt(properties.getOrDefault(MAX_POLL_RECORDS, Integer.toString(d.maxPollRecords()))),
        millis(properties, TRANSACTION_TIMEOUT_MS, d.transactionTimeout()),
        Boolean.parseBoolean(properties.getOrDefault(CANARY, Boolean.toString(d.canary()))),
        CrashPoint.NONE, d.clock());
  }

  public PluginRuntimeConfig withInstanceId(String id) {
    return new PluginRuntimeConfig(id, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, transactionTimeout, canary, crashPoint, clock);
  }

  public PluginRuntimeConfig withCanary(boolean consumeCanary) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, transactionTimeout, consumeCanary, crashPoint, clock);
  }

  public PluginRuntimeConfig withErrorBackoff(Duration backoff) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, backoff, maxPollRecords, transactionTimeout, canary, crashPoint, clock);
  }

  /** Test hook: see {@link CrashPoint}. */
  public PluginRuntimeConfig withCrashPoint(CrashPoint hook) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, transactionTimeout, canary, hook, clock);
  }

  private static Duration millis(Map<String, String> properties, String key, Duration fallback) {
    String value = properties.get(key);
    return value == null ? fallback : Duration.ofMillis(Long.parseLong(value.strip()));
  }
}
