package io.fabric.plugins.runtime;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.LoggerFactory;

/**
 * Settings of one {@link PluginRuntime}. Defaults live in {@link #defaults()}; a deployable
 * overrides them from properties with the {@value #PREFIX} keys via {@link #from(Map)}.
 *
 * <p><b>Fault injection, never set in production:</b> {@value #FAULT_HALT_AFTER_CALL}
 * (system property, or the environment variable {@value #FAULT_HALT_AFTER_CALL_ENV}), e.g.
 * {@code -Dfabric.plugin.runtime.fault.halt-after-call=stripe:20}, makes {@link #defaults()} (and
 * {@link #from(Map)} without that key) install {@link CrashPoint#haltAfterCalls(String)}: the JVM
 * halts as if SIGKILLed right after the 20th stripe call returned and before its commit, so a test
 * can crash a separate {@code fabric run --apps plugins} process exactly between an effect and its
 * checkpoint. The process logs a warning while it is set.
 *
 * @param instanceId distinguishes the runtimes of one plugin; part of the transactional id
 *                   {@code <prefix>fabric-plugin-<name>-<instance>}. Null (the default): chosen per process by
 *                   {@link InstanceIdentity} (kept in the state directory across restarts when there is one), so
 *                   two processes with the default never share one and fence each other
 * @param pollTimeout longest wait in one poll
 * @param closeTimeout how long {@link PluginRuntime#close()} waits for the loop and clients
 * @param errorBackoff how long partitions stay paused after an aborted transaction before they are retried
 * @param maxPollRecords records per poll; the outcomes of one poll share a transaction (see {@code batchLinger}).
 *                       The consumer gets no more than the plugin's worst-case calls that fit the poll budget
 *                       (see {@link PollBudget})
 * @param maxPollInterval the task consumer's {@code max.poll.interval.ms}: a runtime that does not poll
 *                        again within it is dropped from the group and its partitions go to another
 *                        instance (it is also the rebalance timeout: how long a joining instance waits)
 * @param worstCaseCall the longest one task (its plugin call) may take; null takes the plugin's own
 *                      declaration ({@link io.fabric.plugins.spi.FabricPlugin#worstCaseCall()}), or
 *                      {@link #DEFAULT_WORST_CASE_CALL} when the plugin declares none
 * @param batchLinger longest a finished task's outcome waits in memory for the next tasks of its poll
 *                    to share its transaction; a plugin whose last call took longer than this gets a
 *                    transaction per task, so a slow call never holds back the outcomes before it
 * @param transactionTimeout the producer's {@code transaction.timeout.ms}: no transaction spans a
 *                           plugin call, so it can be short, which bounds how long a dead instance's
 *                           open transaction holds back read_committed readers of its partitions
 * @param canary consume the plugin's canary task topic (and group) instead of the normal one
 * @param maxCheckpointBytes the largest serialized checkpoint a step may leave (state, steps and results); a step
 *                           whose outcome would exceed it is dead-lettered before anything is staged. Keep it
 *                           below the producer's {@code max.request.size} (1 MiB by default) and the
 *                           {@code flows.state} topic's {@code max.message.bytes}: a larger record would abort the
 *                           transaction that carries it and every outcome staged with it
 * @param crashPoint test hook, {@link CrashPoint#NONE} in production
 * @param clock source of checkpoint and attempt times
 * @param stateDir where the runtime keeps local snapshots of its flow state, in a sub-directory named after its
 *                 transactional id (so two instances never share one); null: no snapshots, every restore reads
 *                 {@code flows.state} and {@code flows.intents} from the beginning
 * @param snapshotInterval the least time between two snapshots of the flow state (one is also written on a clean close)
 * @param jobDeadline how long a long-running job may run before it is cancelled and its step fails; null takes the
 *                    plugin's declaration ({@link io.fabric.plugins.spi.LongRunningJobs#jobDeadline(String)})
 * @param jobPollMin the least time between two polls of one long-running job, however soon its plugin asks
 * @param vendorKeys the idempotency key plugins get: BARE (the request's, the default) or TENANT ({@code tenant:T:KEY}),
 *     for vendor accounts shared by tenants (see {@link VendorIdempotencyKey})
 */
public record PluginRuntimeConfig(String instanceId, Duration pollTimeout, Duration closeTimeout, Duration errorBackoff,
                                  int maxPollRecords, Duration maxPollInterval, Duration worstCaseCall, Duration batchLinger,
                                  Duration transactionTimeout, boolean canary, int maxCheckpointBytes, CrashPoint crashPoint,
                                  Clock clock, Path stateDir, Duration snapshotInterval, Duration jobDeadline, Duration jobPollMin,
                                  VendorIdempotencyKey.Mode vendorKeys) {
  public static final String PREFIX = "fabric.plugin.runtime.";
  public static final String INSTANCE_ID = PREFIX + "instance.id";
  public static final String POLL_TIMEOUT_MS = PREFIX + "poll.timeout.ms";
  public static final String CLOSE_TIMEOUT_MS = PREFIX + "close.timeout.ms";
  public static final String ERROR_BACKOFF_MS = PREFIX + "error.backoff.ms";
  public static final String MAX_POLL_RECORDS = PREFIX + "max.poll.records";
  /**
   * Kafka's own default: what the poll budget leaves a fast plugin. Each poll is one transaction, so a
   * smaller poll only adds commits (broker round trips and markers); a slow plugin gets fewer by the
   * budget, and {@code batch.linger.ms} bounds how long a finished outcome waits in a long poll.
   */
  public static final int DEFAULT_MAX_POLL_RECORDS = 500;
  public static final String MAX_POLL_INTERVAL_MS = PREFIX + "max.poll.interval.ms";
  public static final String WORST_CASE_CALL_MS = PREFIX + "worst.case.call.ms";
  /** For a plugin that declares no worst case: the vendor plugins' default connect plus request timeout. */
  public static final Duration DEFAULT_WORST_CASE_CALL = Duration.ofSeconds(20);
  public static final String BATCH_LINGER_MS = PREFIX + "batch.linger.ms";
  public static final String TRANSACTION_TIMEOUT_MS = PREFIX + "transaction.timeout.ms";
  public static final String CANARY = PREFIX + "canary";
  public static final String MAX_CHECKPOINT_BYTES = PREFIX + "max.checkpoint.bytes";
  /** A directory for flow state snapshots, or {@value #NO_STATE_DIR}; {@code fabric run} defaults it to {@code <state dir>/plugin-runtime}. */
  public static final String STATE_DIR = PREFIX + "state.dir";
  /** The value of {@link #STATE_DIR} that turns snapshots off. */
  public static final String NO_STATE_DIR = "none";
  public static final String SNAPSHOT_INTERVAL_MS = PREFIX + "state.snapshot.interval.ms";
  /** Overrides every long-running job's deadline (milliseconds from its start); unset, each plugin declares its own. */
  public static final String JOB_DEADLINE_MS = PREFIX + "job.deadline.ms";
  /** The least time between two polls of one long-running job. */
  public static final String JOB_POLL_MIN_MS = PREFIX + "job.poll.min.ms";
  /** {@code bare} (default) or {@code tenant}: the idempotency key plugins send their vendors (see {@link VendorIdempotencyKey}). */
  public static final String VENDOR_KEYS = PREFIX + "vendor.keys";
  /** 768 KiB: room under the default 1 MiB {@code max.request.size} for the record's key, headers and batch overhead. */
  public static final int DEFAULT_MAX_CHECKPOINT_BYTES = 768 * 1024;
  /** Fault injection only, never set in production: see the class comment and {@link CrashPoint#haltAfterCalls(String)}. */
  public static final String FAULT_HALT_AFTER_CALL = PREFIX + "fault.halt-after-call";
  /** The environment variable form of {@link #FAULT_HALT_AFTER_CALL}. */
  public static final String FAULT_HALT_AFTER_CALL_ENV = "FABRIC_PLUGIN_RUNTIME_FAULT_HALT_AFTER_CALL";
  /** Every key {@link #from(Map)} reads. */
  public static final Set<String> KEYS = Set.of(INSTANCE_ID, POLL_TIMEOUT_MS, CLOSE_TIMEOUT_MS, ERROR_BACKOFF_MS, MAX_POLL_RECORDS,
      MAX_POLL_INTERVAL_MS, WORST_CASE_CALL_MS, BATCH_LINGER_MS, TRANSACTION_TIMEOUT_MS, CANARY, MAX_CHECKPOINT_BYTES, FAULT_HALT_AFTER_CALL,
      STATE_DIR, SNAPSHOT_INTERVAL_MS, JOB_DEADLINE_MS, JOB_POLL_MIN_MS, VENDOR_KEYS);
  private static final Set<String> FAULT_INJECTION_WARNED = ConcurrentHashMap.newKeySet();

  public PluginRuntimeConfig {
    if (instanceId != null && !instanceId.matches("[A-Za-z0-9._-]+")) {
      throw new IllegalArgumentException("instance id must be letters, digits, '.', '_' or '-': " + instanceId);
    }
    if (maxPollRecords < 1) {
      throw new IllegalArgumentException("max poll records must be at least 1");
    }
    if (maxPollInterval == null || maxPollInterval.toMillis() < 1 || maxPollInterval.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("max poll interval must be between 1 ms and " + Integer.MAX_VALUE + " ms");
    }
    if (worstCaseCall != null && (worstCaseCall.isNegative() || worstCaseCall.isZero())) {
      throw new IllegalArgumentException("worst case call must be more than zero");
    }
    if (batchLinger == null || batchLinger.isNegative()) {
      throw new IllegalArgumentException("batch linger must be zero or more");
    }
    if (maxCheckpointBytes < 1024) {
      throw new IllegalArgumentException("max checkpoint bytes must be at least 1024, got " + maxCheckpointBytes);
    }
    if (snapshotInterval == null || snapshotInterval.isNegative()) {
      throw new IllegalArgumentException("snapshot interval must be zero or more");
    }
    if (jobDeadline != null && (jobDeadline.isNegative() || jobDeadline.isZero())) {
      throw new IllegalArgumentException("job deadline must be more than zero");
    }
    if (jobPollMin == null || jobPollMin.isNegative()) {
      throw new IllegalArgumentException("job poll minimum must be zero or more");
    }
    crashPoint = crashPoint == null ? CrashPoint.NONE : crashPoint;
    vendorKeys = vendorKeys == null ? VendorIdempotencyKey.Mode.BARE : vendorKeys;
    clock = clock == null ? Clock.systemUTC() : clock;
  }

  /** The defaults; the crash point is {@link CrashPoint#NONE} unless fault injection is switched on (see the class comment). */
  public static PluginRuntimeConfig defaults() {
    return new PluginRuntimeConfig(null, Duration.ofMillis(200), Duration.ofSeconds(30), Duration.ofSeconds(1), DEFAULT_MAX_POLL_RECORDS,
        Duration.ofMinutes(5), null, Duration.ofMillis(20), Duration.ofSeconds(15), false, DEFAULT_MAX_CHECKPOINT_BYTES, faultInjection(null),
        Clock.systemUTC(), null, Duration.ofSeconds(60), null, Duration.ofSeconds(1), VendorIdempotencyKey.Mode.BARE);
  }

  /**
   * The defaults overridden by whichever {@value #PREFIX} keys are present.
   *
   * @throws IllegalArgumentException naming the key, for an unknown {@value #PREFIX} key or a value that is not a number
   */
  public static PluginRuntimeConfig from(Map<String, String> properties) {
    for (String key : properties.keySet()) {
      if (key.startsWith(PREFIX) && !KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown plugin runtime setting " + key + "; known: " + new java.util.TreeSet<>(KEYS));
      }
    }
    PluginRuntimeConfig d = defaults();
    return new PluginRuntimeConfig(
        properties.getOrDefault(INSTANCE_ID, d.instanceId()),
        millis(properties, POLL_TIMEOUT_MS, d.pollTimeout()),
        millis(properties, CLOSE_TIMEOUT_MS, d.closeTimeout()),
        millis(properties, ERROR_BACKOFF_MS, d.errorBackoff()),
        (int) number(properties, MAX_POLL_RECORDS, d.maxPollRecords()),
        millis(properties, MAX_POLL_INTERVAL_MS, d.maxPollInterval()),
        properties.containsKey(WORST_CASE_CALL_MS) ? Duration.ofMillis(number(properties, WORST_CASE_CALL_MS, 0)) : d.worstCaseCall(),
        millis(properties, BATCH_LINGER_MS, d.batchLinger()),
        millis(properties, TRANSACTION_TIMEOUT_MS, d.transactionTimeout()),
        Boolean.parseBoolean(properties.getOrDefault(CANARY, Boolean.toString(d.canary()))),
        (int) number(properties, MAX_CHECKPOINT_BYTES, d.maxCheckpointBytes()),
        properties.containsKey(FAULT_HALT_AFTER_CALL) ? faultInjection(properties.get(FAULT_HALT_AFTER_CALL)) : d.crashPoint(),
        d.clock(),
        stateDir(properties.get(STATE_DIR)),
        millis(properties, SNAPSHOT_INTERVAL_MS, d.snapshotInterval()),
        properties.containsKey(JOB_DEADLINE_MS) ? Duration.ofMillis(number(properties, JOB_DEADLINE_MS, 0)) : d.jobDeadline(),
        millis(properties, JOB_POLL_MIN_MS, d.jobPollMin()),
        properties.containsKey(VENDOR_KEYS) ? VendorIdempotencyKey.Mode.parse(VENDOR_KEYS, properties.get(VENDOR_KEYS)) : d.vendorKeys());
  }

  public PluginRuntimeConfig withInstanceId(String id) {
    return new PluginRuntimeConfig(id, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, maxPollInterval, worstCaseCall, batchLinger, transactionTimeout, canary, maxCheckpointBytes, crashPoint, clock, stateDir, snapshotInterval, jobDeadline, jobPollMin, vendorKeys);
  }

  public PluginRuntimeConfig withCanary(boolean consumeCanary) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, maxPollInterval, worstCaseCall, batchLinger, transactionTimeout, consumeCanary, maxCheckpointBytes, crashPoint, clock, stateDir, snapshotInterval, jobDeadline, jobPollMin, vendorKeys);
  }

  public PluginRuntimeConfig withErrorBackoff(Duration backoff) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, backoff, maxPollRecords, maxPollInterval, worstCaseCall, batchLinger, transactionTimeout, canary, maxCheckpointBytes, crashPoint, clock, stateDir, snapshotInterval, jobDeadline, jobPollMin, vendorKeys);
  }

  public PluginRuntimeConfig withMaxCheckpointBytes(int bytes) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, maxPollInterval, worstCaseCall, batchLinger, transactionTimeout, canary, bytes, crashPoint, clock, stateDir, snapshotInterval, jobDeadline, jobPollMin, vendorKeys);
  }

  /** Flow state snapshots in {@code dir} (null: none), see {@link #stateDir()}. */
  public PluginRuntimeConfig withStateDir(Path dir) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, maxPollInterval, worstCaseCall, batchLinger, transactionTimeout, canary, maxCheckpointBytes, crashPoint, clock, dir, snapshotInterval, jobDeadline, jobPollMin, vendorKeys);
  }

  public PluginRuntimeConfig withSnapshotInterval(Duration interval) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, maxPollInterval, worstCaseCall, batchLinger, transactionTimeout, canary, maxCheckpointBytes, crashPoint, clock, stateDir, interval, jobDeadline, jobPollMin, vendorKeys);
  }

  /** Long-running jobs: {@code deadline} (null: each plugin's own) and the least time between two polls of one job. */
  public PluginRuntimeConfig withJobs(Duration deadline, Duration pollMin) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, maxPollInterval, worstCaseCall, batchLinger, transactionTimeout, canary, maxCheckpointBytes, crashPoint, clock, stateDir, snapshotInterval, deadline, pollMin, vendorKeys);
  }

  /** The longest one call of {@code plugin} may take: this configuration's, else the plugin's declaration, else the default. */
  public Duration worstCaseCallOf(io.fabric.plugins.spi.FabricPlugin plugin) {
    return worstCaseCall != null ? worstCaseCall : plugin.worstCaseCall().orElse(DEFAULT_WORST_CASE_CALL);
  }

  /** Test hook: see {@link CrashPoint}. */
  public PluginRuntimeConfig withCrashPoint(CrashPoint hook) {
    return new PluginRuntimeConfig(instanceId, pollTimeout, closeTimeout, errorBackoff, maxPollRecords, maxPollInterval, worstCaseCall, batchLinger, transactionTimeout, canary, maxCheckpointBytes, hook, clock, stateDir, snapshotInterval, jobDeadline, jobPollMin, vendorKeys);
  }

  /**
   * The fault-injection hook of {@code spec}, or of the {@value #FAULT_HALT_AFTER_CALL} system
   * property / {@value #FAULT_HALT_AFTER_CALL_ENV} environment variable when {@code spec} is null;
   * {@link CrashPoint#NONE} when none is set.
   */
  private static CrashPoint faultInjection(String spec) {
    String value = spec;
    if (value == null) {
      value = System.getProperty(FAULT_HALT_AFTER_CALL);
    }
    if (value == null) {
      value = System.getenv(FAULT_HALT_AFTER_CALL_ENV);
    }
    if (value == null || value.isBlank()) {
      return CrashPoint.NONE;
    }
    CrashPoint hook = CrashPoint.haltAfterCalls(value);
    if (FAULT_INJECTION_WARNED.add(value)) {
      LoggerFactory.getLogger(PluginRuntimeConfig.class).warn("FAULT INJECTION is on ({}={}): this process halts as if killed "
          + "after that many plugin calls; never set it in production", FAULT_HALT_AFTER_CALL, value);
    }
    return hook;
  }

  private static Path stateDir(String value) {
    if (value == null || value.isBlank() || value.strip().equals(NO_STATE_DIR)) {
      return null;
    }
    return Path.of(value.strip());
  }

  private static Duration millis(Map<String, String> properties, String key, Duration fallback) {
    return Duration.ofMillis(number(properties, key, fallback.toMillis()));
  }

  private static long number(Map<String, String> properties, String key, long fallback) {
    String value = properties.get(key);
    try {
      return value == null ? fallback : Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be a whole number, got '" + value + "'");
    }
  }
}
