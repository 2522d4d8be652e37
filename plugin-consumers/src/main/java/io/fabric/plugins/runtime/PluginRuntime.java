package io.fabric.plugins.runtime;

import io.fabric.contracts.RoutedTask;
import io.fabric.observability.FabricMetrics;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.CommittedOffsets;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.tracing.FabricTracing;
import io.fabric.schemas.topics.TopicSpec;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes one plugin's tasks from its task topic, at most once per request, and keeps the durable
 * flows they belong to: one consumer group {@code <prefix>fabric-plugin-<name>} and one transactional
 * producer {@code <prefix>fabric-plugin-<name>-<instance>} per runtime.
 *
 * <p>This class is the consume loop and the clients' lifecycle only. Per record, the
 * {@link TaskProcessor} asks the Kafka-free {@link StepDecider} what to do (skip, refuse, run,
 * compensate, forward or finish a rollback), runs the call through the {@link AttemptRunner}
 * (intent, call, retry, in-doubt) or the {@link CompensationHandler}, and stages the outcome in the
 * {@link OutboundBatch}, which commits the outcomes of a poll and their offsets in one transaction.
 * An intent found without a checkpoint is an in-doubt execution: the plugin is called again with
 * {@code inDoubt=true} and the same idempotency key when its {@link io.fabric.plugins.spi.InDoubtSupport}
 * allows, else the task is dead-lettered {@code IN_DOUBT}. Retryable failures back off with the
 * plugin's {@link io.fabric.plugins.spi.RetryPolicy} by pausing only their partition. A failure for
 * good dead-letters the task, marks the flow FAILED and starts its rollback (see
 * {@link io.fabric.plugins.flows.RollbackRequests}).
 *
 * <p>The loop runs on its own thread from {@link #start()}; {@link #close()} stops it.
 */
public final class PluginRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PluginRuntime.class);
  private static final int MAX_FAILURES_WITHOUT_PROGRESS = 3;

  /** Where the runtime stands, as {@code /health} reports it. */
  public enum State {
    /** Creating its clients and joining the group. */
    STARTING,
    /** Consuming. */
    RUNNING,
    /** Its clients failed in a way only new clients fix: closing them and creating new ones. */
    RECREATING,
    /** Stopped on a failure going on cannot fix (see {@link #failure()}); the process should exit non-zero. */
    FAILED,
    /** Closed. */
    STOPPED
  }

  /** Creates the transactional producer from its configuration: a test replaces it to inject producer faults. */
  @FunctionalInterface
  interface ProducerFactory {
    Producer<String, byte[]> create(Map<String, Object> config);
  }

  private final KafkaConnection connection;
  private final TopicCatalog catalog;
  private final FabricPlugin plugin;
  private final PluginRuntimeConfig config;
  private final TopicSpec<String, RoutedTask> taskTopic;
  private final TopicSpec<String, String> intentTopic;
  private final String groupId;
  private final String transactionalId;
  private final AvroSerde<RoutedTask> taskSerde = AvroSerde.of(RoutedTask.class);

  private final Object lifecycle = new Object();
  private Thread thread;
  private volatile boolean closing;
  private volatile boolean running;
  private volatile KafkaConsumer<byte[], byte[]> wakeable;
  private volatile Set<TopicPartition> assignment = Set.of();
  /** True once the group gave this runtime its partitions (maybe none) and their flow state is restored; false while rebalancing. */
  private volatile boolean settled;
  private final FabricMetrics metrics;
  /** The current clients' metric bindings, closed with the clients. */
  private final List<FabricMetrics.Binding> clientMetrics = new java.util.ArrayList<>();
  private volatile Throwable failure;
  private volatile State state = State.STARTING;
  private final ProducerFactory producers;
  /** The longest one task may take; the consumer fetches no more per poll than fit its poll budget (see {@link PollBudget}). */
  private final Duration worstCaseCall;
  /** What a poll's tasks may take: see {@link PollBudget#budget}; fixed by the configuration, so derived once. */
  private final Duration pollBudget;

  // confined to the runtime thread
  private Producer<String, byte[]> producer;
  private KafkaConsumer<byte[], byte[]> consumer;
  private volatile FlowStateStore store;
  private OutboundBatch batch;
  private TaskProcessor processor;
  /** When each long-running job of the owned partitions is polled next; rebuilt from the flow state with every assignment. */
  private JobSchedule jobs = new JobSchedule();
  /** Tasks per poll (see {@link PollBudget}); the jobs polled in one loop share that budget with the records. */
  private int tasksPerPoll = 1;
  /** Set after a Kafka error: the consumer must go back to the committed offsets before it processes more. */
  private boolean rewindPending;
  private final Map<TopicPartition, Long> pausedUntilNanos = new HashMap<>();
  private volatile FabricTracing tracing = FabricTracing.noop();

  public PluginRuntime(KafkaConnection connection, TopicCatalog catalog, FabricPlugin plugin, PluginRuntimeConfig config) {
    this(connection, catalog, plugin, config, FabricMetrics.discard());
  }

  /** @param metrics the process's metrics: the runtime's clients are bound to it, and its calls, checkpoints and dead letters counted */
  public PluginRuntime(KafkaConnection connection, TopicCatalog catalog, FabricPlugin plugin, PluginRuntimeConfig config,
                       FabricMetrics metrics) {
    this(connection, catalog, plugin, config, props -> new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer()),
        metrics);
  }

  PluginRuntime(KafkaConnection connection, TopicCatalog catalog, FabricPlugin plugin, PluginRuntimeConfig config,
                ProducerFactory producers) {
    this(connection, catalog, plugin, config, producers, FabricMetrics.discard());
  }

  PluginRuntime(KafkaConnection connection, TopicCatalog catalog, FabricPlugin plugin, PluginRuntimeConfig config,
                ProducerFactory producers, FabricMetrics metrics) {
    this.metrics = metrics;
    metrics.registerPlugin(plugin.name());
    this.producers = producers;
    this.connection = connection;
    this.catalog = catalog;
    this.plugin = plugin;
    // a runtime made on its own (not by a PluginHost) without an instance id gets one of its own
    this.config = config.instanceId() != null ? config : config.withInstanceId(InstanceIdentity.fresh());
    this.taskTopic = config.canary() ? catalog.pluginCanaryTasks(plugin.name()) : catalog.pluginTasks(plugin.name());
    this.intentTopic = ExecutionIntent.topic(catalog);
    this.groupId = catalog.pluginGroupId(plugin.name(), config.canary());
    this.transactionalId = catalog.pluginTransactionalId(plugin.name(), config.canary(), this.config.instanceId());
    taskSerde.configure(connection.clientConfig(), false);
    this.worstCaseCall = config.worstCaseCallOf(plugin);
    this.pollBudget = pollBudget(connection, config);
    if (PollBudget.worstCaseExceedsBudget(pollBudget, worstCaseCall)) {
      log.warn("plugin runtime {}: one call of up to {} does not fit the poll budget {} ({} less a tenth and a heartbeat): "
          + "a call that long loses the group mid-call; raise {}", transactionalId, worstCaseCall, pollBudget,
          config.maxPollInterval(), PluginRuntimeConfig.MAX_POLL_INTERVAL_MS);
    }
  }

  /** Spans for each plugin call and checkpoint (see {@link PluginTracing}); set before {@link #start()}. */
  public PluginRuntime tracedBy(FabricTracing tracing) {
    this.tracing = tracing;
    return this;
  }

  /** Starts the loop on its own thread; returns at once. A runtime starts once. */
  public void start() {
    synchronized (lifecycle) {
      if (thread != null) {
        throw new IllegalStateException("plugin runtime " + transactionalId + " was started already");
      }
      if (closing) {
        throw new IllegalStateException("plugin runtime " + transactionalId + " is closed");
      }
      thread = new Thread(this::run, "fabric-plugin-" + plugin.name() + "-" + this.config.instanceId());
      thread.start();
    }
  }

  /** True from the moment the consumer subscribed until the loop ends. */
  public boolean isRunning() {
    return running;
  }

  public State state() {
    return state;
  }

  /** The task partitions this runtime owns and has restored the flow state of; empty until then. */
  public Set<TopicPartition> assignment() {
    return assignment;
  }

  /**
   * Ready to run tasks: consuming, the group's assignment received and the flow state of every
   * partition it gave restored (a rebalance or new clients make it false until then).
   */
  public boolean caughtUp() {
    return state == State.RUNNING && settled;
  }

  /** How many partitions the current clients restored from the beginning of their flow state. */
  int flowStateRestores() {
    FlowStateStore current = store;
    return current == null ? 0 : current.restores();
  }

  /** Why the loop ended on its own (fenced, crashed, failed), if it did. */
  public Optional<Throwable> failure() {
    return Optional.ofNullable(failure);
  }

  public String groupId() {
    return groupId;
  }

  public String transactionalId() {
    return transactionalId;
  }

  public String taskTopic() {
    return taskTopic.name();
  }

  /** Stops the loop after the task in hand, closes the clients and waits up to the close timeout. Idempotent. */
  @Override
  public void close() {
    Thread loop;
    synchronized (lifecycle) {
      closing = true;
      loop = thread;
    }
    KafkaConsumer<byte[], byte[]> polling = wakeable;
    if (polling != null) {
      polling.wakeup();
    }
    if (loop != null && loop != Thread.currentThread()) {
      try {
        loop.join(config.closeTimeout().toMillis() + 5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (loop.isAlive()) {
        log.warn("plugin runtime {} did not stop within {}", transactionalId, config.closeTimeout());
      }
    }
  }

  /**
   * Runs generations of clients until closed: a failure that new clients fix (see
   * {@link FailureClassifier}) closes them abruptly and creates new ones after the error backoff,
   * which rewinds the group to its committed offsets; a fatal one ends the loop with
   * {@link #failure()} set and {@link State#FAILED}.
   */
  private void run() {
    int failuresWithoutProgress = 0;
    try {
      while (!closing) {
        try {
          openClients();
          if (closing) {
            break;
          }
          log.info("plugin runtime {} consuming {} in group {}", transactionalId, taskTopic.name(), groupId);
          while (!closing) {
            if (pollOnce()) {
              failuresWithoutProgress = 0;
            }
          }
        } catch (WakeupException e) {
          if (!closing) {
            stop(e, "was woken up unexpectedly");
          }
        } catch (RuntimeException | Error e) {
          if (e instanceof CrashPoint.SimulatedCrash) {
            log.warn("plugin runtime {} halted by its crash point: {}", transactionalId, e.getMessage());
            failure = e;
            closeClients(true);
            return;
          }
          FailureClassifier.Handling handling = FailureClassifier.ofClients(e);
          // a failure that is neither Kafka's nor the clients' and comes back on every new client is a bug or bad config
          boolean repeating = !(e instanceof KafkaException) && handling != FailureClassifier.Handling.RECREATE
              && ++failuresWithoutProgress > MAX_FAILURES_WITHOUT_PROGRESS;
          if (handling == FailureClassifier.Handling.FATAL || repeating) {
            stop(e, handling == FailureClassifier.Handling.FATAL
                ? "cannot go on (fenced by a newer instance with its transactional id, refused by the cluster, or an Error)"
                : "failed " + failuresWithoutProgress + " times in a row with new clients");
            return;
          }
          state = State.RECREATING;
          log.warn("plugin runtime {}: {}; closing its clients and creating new ones in {}", transactionalId,
              DeadLetters.describe(e), config.errorBackoff());
          closeClients(true);
          LockSupport.parkNanos(config.errorBackoff().toNanos());
        }
      }
      closeClients(false);
    } finally {
      running = false;
      assignment = Set.of();
      state = failure == null ? State.STOPPED : State.FAILED;
    }
  }

  private void stop(Throwable e, String why) {
    failure = e;
    log.error("plugin runtime {} stops: it {}", transactionalId, why, e);
    closeClients(true);
  }

  private void openClients() {
    state = State.STARTING;
    settled = false;
    rewindPending = false;
    producer = newProducer();
    clientMetrics.add(metrics.bind(producer));
    producer.initTransactions();
    store = new FlowStateStore(connection, catalog, intentTopic, transactionalId + "-state", snapshots());
    store.verifyCoPartitioned(taskTopic.name());
    consumer = newConsumer();
    wakeable = consumer;
    clientMetrics.add(metrics.bind(consumer));
    batch = new OutboundBatch(producer, consumer::groupMetadata, catalog, store, metrics, plugin.name());
    jobs = new JobSchedule();
    processor = new TaskProcessor(plugin, catalog, config, transactionalId, taskSerde, store, batch,
        new AttemptRunner(plugin.name(), transactionalId, config.clock(), new PluginTracing(tracing, plugin.name()), metrics), jobs);
    consumer.subscribe(List.of(taskTopic.name()), new Rebalance());
    running = true;
    state = State.RUNNING;
  }

  private void closeClients(boolean abrupt) {
    // abrupt: no abort and no flush, as if the process died; the next instance with this
    // transactional id aborts the open transaction when it calls initTransactions()
    Duration producerTimeout = abrupt ? Duration.ZERO : config.closeTimeout();
    if (store != null && !abrupt) {
      // before the consumer's close revokes the partitions; nothing is staged after the loop's last commit or abort
      closeQuietly("flow state snapshot", store::snapshot);
    }
    if (producer != null) {
      closeQuietly("producer", () -> producer.close(producerTimeout));
    }
    // the consumer commits nothing on close (offsets only move inside transactions); it leaves the
    // group either way so a restart need not wait for the session timeout
    if (consumer != null) {
      closeQuietly("consumer", () -> consumer.close(CloseOptions.timeout(Duration.ofSeconds(abrupt ? 5 : config.closeTimeout().toSeconds()))));
    }
    if (store != null) {
      closeQuietly("flow state reader", store::close);
    }
    clientMetrics.forEach(binding -> closeQuietly("client metrics", binding::close));
    clientMetrics.clear();
    producer = null;
    consumer = null;
    wakeable = null;
    store = null;
    assignment = Set.of();
    settled = false;
  }

  private void closeQuietly(String what, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      log.warn("plugin runtime {}: closing the {} failed: {}", transactionalId, what, e.toString());
    }
  }

  /** This runtime's own snapshot directory, named after its transactional id (plugin, canary, instance). */
  private FlowStateStore.Snapshots snapshots() {
    return config.stateDir() == null ? FlowStateStore.Snapshots.NONE
        : new FlowStateStore.Snapshots(config.stateDir().resolve(transactionalId), config.snapshotInterval());
  }

  private Producer<String, byte[]> newProducer() {
    Map<String, Object> props = connection.clientConfig();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) config.transactionTimeout().toMillis());
    props.putAll(FabricStreamsConfig.producerTuning());
    return producers.create(props);
  }

  private KafkaConsumer<byte[], byte[]> newConsumer() {
    Map<String, Object> props = connection.clientConfig();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId + "-tasks");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    tasksPerPoll = PollBudget.maxPollRecords(config.maxPollRecords(), pollBudget, worstCaseCall);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, tasksPerPoll);
    props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, (int) config.maxPollInterval().toMillis());
    // Eager, not cooperative: a cooperative consumer keeps fetching while the group rebalances and the
    // generation moves under a batch still running, so its next transactional commit fails with
    // ILLEGAL_GENERATION after the call and the task ends in doubt (PollBudgetIntegrationTest). Eager
    // revokes everything before it rejoins, at a poll, with the batch committed. Sticky keeps a
    // partition where it was, and the rebalance listener keeps the flow state of every partition that
    // comes back, so a rebalance still restores only the partitions that move.
    // CooperativeStickyAssignor is listed second only so that a rolling upgrade from the version that
    // used it can share the group (the group takes an assignor every member lists); the consumer's
    // protocol is the one all listed assignors support, eager, whichever the group picks.
    props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, List.of(org.apache.kafka.clients.consumer.StickyAssignor.class.getName(),
        org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName()));
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /**
   * How many tasks one poll of {@code plugin}'s runtime carries (one transaction's worth): the configured
   * {@code max.poll.records} capped by the poll budget (see {@link PollBudget}). For reports such as {@code fabric bench}.
   */
  public static int tasksPerPoll(KafkaConnection connection, PluginRuntimeConfig config, FabricPlugin plugin) {
    return PollBudget.maxPollRecords(config.maxPollRecords(), pollBudget(connection, config), config.worstCaseCallOf(plugin));
  }

  /** What a poll's tasks may take: see {@link PollBudget#budget}; the heartbeat interval is the connection's or Kafka's default. */
  private static Duration pollBudget(KafkaConnection connection, PluginRuntimeConfig config) {
    Object heartbeat = connection.clientConfig().get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG);
    long heartbeatMs = heartbeat == null
        ? ((Number) ConsumerConfig.configDef().defaultValues().get(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG)).longValue()
        : Long.parseLong(heartbeat.toString().strip());
    return PollBudget.budget(config.maxPollInterval(), Duration.ofMillis(heartbeatMs));
  }

  // ---------------------------------------------------------------- loop

  /** One poll and its records; true when it committed or had nothing to do (progress). */
  private boolean pollOnce() {
    try {
      if (rewindPending) {
        recover();
        rewindPending = false;
      }
      resumeDuePartitions();
      ConsumerRecords<byte[], byte[]> records = consumer.poll(nextPollTimeout());
      List<JobSchedule.Due> dueJobs = jobs.takeDue(config.clock().millis(), Math.max(1, tasksPerPoll - records.count()));
      if (records.isEmpty() && dueJobs.isEmpty()) {
        store.snapshotIfDue();
        return true;
      }
      store.catchUp();
      tasks:
      for (TopicPartition partition : records.partitions()) {
        for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
          if (closing) {
            break tasks;
          }
          Optional<Duration> backOff = process(record);
          if (batch.waitingNanos() > config.batchLinger().toNanos()) {
            batch.commit();
          }
          if (backOff.isPresent()) {
            backOff(record, backOff.get());
            break;
          }
        }
      }
      // a due job is a short call (a poll or a cancel) made between polls; waiting for it holds no thread or transaction
      for (JobSchedule.Due due : dueJobs) {
        if (closing) {
          break;
        }
        pollJob(due);
        if (batch.waitingNanos() > config.batchLinger().toNanos()) {
          batch.commit();
        }
      }
      // before the next poll: a rebalance inside it must find no outcome of a revoked partition uncommitted
      batch.commit();
      store.snapshotIfDue();
      return true;
    } catch (KafkaException e) {
      FailureClassifier.Handling handling = FailureClassifier.ofClients(e);
      if (e instanceof WakeupException || handling == FailureClassifier.Handling.FATAL) {
        throw e;
      }
      try {
        batch.abort();
      } catch (KafkaException abortFailed) {
        // the abort tells a fenced zombie (ProducerFencedException) from a producer that only needs replacing
        if (FailureClassifier.ofClients(abortFailed) == FailureClassifier.Handling.FATAL) {
          throw abortFailed;
        }
      }
      if (handling == FailureClassifier.Handling.RECREATE) {
        throw e;
      }
      // A broker outage can outlast any single call, the rewind included: keep trying, never give up the loop.
      log.warn("plugin runtime {}: Kafka error, rewinding to the last committed offsets after {}: {}", transactionalId,
          config.errorBackoff(), DeadLetters.describe(e));
      rewindPending = true;
      LockSupport.parkNanos(config.errorBackoff().toNanos());
      return false;
    }
  }

  /** Processes one record; bad data in it dead-letters it ({@link FailureClassifier#ofRecord}), anything else goes up. */
  private Optional<Duration> process(ConsumerRecord<byte[], byte[]> record) {
    long start = System.nanoTime();
    try {
      return processor.process(record);
    } catch (RuntimeException e) {
      if (FailureClassifier.ofRecord(e) != FailureClassifier.Handling.PER_RECORD) {
        throw e;
      }
      processor.deadLetterProcessingError(record, e);
      return Optional.empty();
    } finally {
      long took = System.nanoTime() - start;
      if (took > worstCaseCall.toNanos()) {
        // the poll budget assumed no task takes longer: a plugin whose calls outlast their declaration
        // can make this runtime miss max.poll.interval.ms, so say which one, loudly
        log.warn("plugin runtime {}: task at {}-{}@{} took {} ms, longer than the plugin's worst case {}; "
            + "declare a longer FabricPlugin.worstCaseCall() or set {}", transactionalId, record.topic(), record.partition(),
            record.offset(), TimeUnit.NANOSECONDS.toMillis(took), worstCaseCall, PluginRuntimeConfig.WORST_CASE_CALL_MS);
      }
    }
  }

  /**
   * Polls one due job; bad data in its checkpoint (a task this version cannot decode) is logged and the
   * job left as it is checkpointed (a restart tries again) rather than stopping the runtime over it.
   */
  private void pollJob(JobSchedule.Due due) {
    try {
      processor.pollJob(due);
    } catch (RuntimeException e) {
      if (FailureClassifier.ofRecord(e) != FailureClassifier.Handling.PER_RECORD) {
        throw e;
      }
      log.error("plugin runtime {}: the running job of request {} (flow {}) cannot be polled, its checkpoint is left as it is: {}",
          transactionalId, due.requestId(), due.flowId(), DeadLetters.describe(e));
    }
  }

  /** After an aborted transaction: rewind to the committed offsets and pause everything for a moment. */
  private void recover() {
    Set<TopicPartition> assigned = consumer.assignment();
    // a failed restore in the rebalance callback is completed here and by the next catch-up
    store.assign(assigned.stream().map(TopicPartition::partition).toList());
    // jobs taken out for polling in the aborted batch come back from their checkpoints
    processor.trackJobs(assigned.stream().map(TopicPartition::partition).toList());
    assignment = Set.copyOf(assigned);
    settled = true;
    CommittedOffsets.rewind(consumer, assigned);
    consumer.pause(assigned);
    long until = System.nanoTime() + config.errorBackoff().toNanos();
    // a partition backing off for longer keeps its own resume time: a retry's backoff is not cut short
    assigned.forEach(tp -> pausedUntilNanos.merge(tp, until, PluginRuntime::later));
  }

  private void resumeDuePartitions() {
    long now = System.nanoTime();
    Set<TopicPartition> assigned = consumer.assignment();
    for (Iterator<Map.Entry<TopicPartition, Long>> it = pausedUntilNanos.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<TopicPartition, Long> paused = it.next();
      if (paused.getValue() - now <= 0) {
        if (assigned.contains(paused.getKey())) {
          consumer.resume(List.of(paused.getKey()));
        }
        it.remove();
      }
    }
  }

  private Duration nextPollTimeout() {
    long timeout = config.pollTimeout().toNanos();
    long now = System.nanoTime();
    for (long until : pausedUntilNanos.values()) {
      timeout = Math.min(timeout, Math.max(until - now, TimeUnit.MILLISECONDS.toNanos(1)));
    }
    java.util.OptionalLong nextJob = jobs.nextAt();
    if (nextJob.isPresent()) {
      long untilJob = TimeUnit.MILLISECONDS.toNanos(nextJob.getAsLong() - config.clock().millis());
      timeout = Math.min(timeout, Math.max(untilJob, TimeUnit.MILLISECONDS.toNanos(1)));
    }
    return Duration.ofNanos(timeout);
  }

  private void backOff(ConsumerRecord<byte[], byte[]> record, Duration delay) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    consumer.seek(tp, record.offset());
    consumer.pause(List.of(tp));
    pausedUntilNanos.put(tp, System.nanoTime() + delay.toNanos());
  }

  /** The later of two {@link System#nanoTime()} readings. */
  static long later(long a, long b) {
    return a - b >= 0 ? a : b;
  }

  /**
   * Eager rebalancing revokes every partition before the group reassigns them (see {@link #newConsumer()}).
   * The flow state of a revoked partition is dropped only once the new assignment leaves it out, so a
   * partition this instance keeps is not restored again, and its retry backoff is not cut short.
   */
  private final class Rebalance implements ConsumerRebalanceListener {
    /** Revoked in this rebalance, their flow state kept until the assignment says whether they come back. */
    private Set<TopicPartition> revokedPendingAssignment = Set.of();

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // the batch was committed before the poll that called this; anything staged belongs to an aborted one
      store.clearStaged();
      settled = false;
      revokedPendingAssignment = Set.copyOf(partitions);
      assignment = Set.copyOf(consumer.assignment().stream().filter(tp -> !partitions.contains(tp)).toList());
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      List<TopicPartition> gone = revokedPendingAssignment.stream().filter(tp -> !partitions.contains(tp)).toList();
      revokedPendingAssignment = Set.of();
      forget(gone);
      store.assign(numbers(partitions));
      processor.trackJobs(numbers(partitions));
      // a kept partition that was backing off stays paused until its own resume time
      List<TopicPartition> backingOff = partitions.stream().filter(pausedUntilNanos::containsKey).toList();
      consumer.pause(backingOff);
      assignment = Set.copyOf(consumer.assignment());
      settled = true;
      log.info("plugin runtime {} owns {}", transactionalId, assignment);
    }

    /** The group went on without this instance: another one may have run these partitions' tasks since, so their state goes. */
    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      store.clearStaged();
      settled = false;
      Set<TopicPartition> lost = new java.util.HashSet<>(partitions);
      lost.addAll(revokedPendingAssignment);
      revokedPendingAssignment = Set.of();
      forget(lost);
      assignment = Set.copyOf(consumer.assignment().stream().filter(tp -> !lost.contains(tp)).toList());
    }

    private void forget(Collection<TopicPartition> partitions) {
      if (partitions.isEmpty()) {
        return;
      }
      partitions.forEach(pausedUntilNanos::remove);
      jobs.forget(numbers(partitions));
      store.revoke(numbers(partitions));
    }

    private List<Integer> numbers(Collection<TopicPartition> partitions) {
      return partitions.stream().map(TopicPartition::partition).toList();
    }
  }

  /** Errors after which the runtime stops: new clients would not help (see {@link FailureClassifier}). */
  static boolean isFatal(Throwable error) {
    return FailureClassifier.ofClients(error) == FailureClassifier.Handling.FATAL;
  }
}
