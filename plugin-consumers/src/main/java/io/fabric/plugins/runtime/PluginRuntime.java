package io.fabric.plugins.runtime;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowCheckpoints.Revision;
import io.fabric.plugins.flows.FlowJson;
import io.fabric.plugins.flows.FlowStatus;
import io.fabric.plugins.flows.RollbackRequests;
import io.fabric.plugins.flows.StepStatus;
import io.fabric.plugins.runtime.ExecutionIntent.Kind;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryPolicy;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.config.CommittedOffsets;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.records.AuditEvents;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.Statuses;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes one plugin's tasks from its task topic, at most once per request, and keeps the durable
 * flows they belong to: one consumer group {@code <prefix>fabric-plugin-<name>} and one transactional
 * producer {@code <prefix>fabric-plugin-<name>-<instance>} per runtime.
 *
 * <p>Per task: skip it when the flow's checkpoint already has its step; commit an intent (not for a
 * side-effect-free plugin's first attempt: calling it again is harmless); call the plugin; then stage
 * the checkpoint (state and revisions), the request status, the intent's tombstone and the consumed
 * offset. The staged outcomes of a poll are committed in one transaction (see
 * {@link StagedTransaction}); an intent's transaction carries whatever was staged before it, and
 * {@link PluginRuntimeConfig#batchLinger()} bounds how long an outcome waits. An intent found
 * without a checkpoint is an in-doubt execution: the plugin is called again with {@code inDoubt=true} and the same idempotency key when
 * its {@link io.fabric.plugins.spi.InDoubtSupport} allows, else the task is dead-lettered
 * {@code IN_DOUBT}. Retryable failures back off with the plugin's {@link RetryPolicy} by pausing only
 * their partition. A failure for good dead-letters the task with its full context, marks the flow
 * FAILED and starts its rollback (see {@link RollbackRequests}), whose compensations run in the
 * runtimes of the plugins that own the steps.
 *
 * <p>The loop runs on its own thread from {@link #start()}; {@link #close()} stops it.
 */
public final class PluginRuntime implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PluginRuntime.class);

  private final KafkaConnection connection;
  private final TopicCatalog catalog;
  private final FabricPlugin plugin;
  private final PluginRuntimeConfig config;
  private final TopicSpec<String, RoutedTask> taskTopic;
  private final TopicSpec<String, String> intentTopic;
  private final String groupId;
  private final String transactionalId;
  private final String stage;
  private final AvroSerde<RoutedTask> taskSerde = AvroSerde.of(RoutedTask.class);
  private final Map<String, Serializer<?>> serializers = new HashMap<>();
  private final OutcomeSizeLimit outcomeSizeLimit;

  private final Object lifecycle = new Object();
  private Thread thread;
  private volatile boolean closing;
  private volatile boolean running;
  private volatile KafkaConsumer<byte[], byte[]> wakeable;
  private volatile Set<TopicPartition> assignment = Set.of();
  private volatile Throwable failure;

  // confined to the runtime thread
  private KafkaProducer<String, byte[]> producer;
  private KafkaConsumer<byte[], byte[]> consumer;
  private FlowStateStore store;
  private StagedTransaction staged;
  /** How long the plugin's last call took: a plugin slower than the linger gets a transaction per task. */
  private long lastCallNanos;
  /** Set after a Kafka error: the consumer must go back to the committed offsets before it processes more. */
  private boolean rewindPending;
  private final Map<TopicPartition, Long> pausedUntilNanos = new HashMap<>();

  public PluginRuntime(KafkaConnection connection, TopicCatalog catalog, FabricPlugin plugin, PluginRuntimeConfig config) {
    this.connection = connection;
    this.catalog = catalog;
    this.plugin = plugin;
    this.config = config;
    this.taskTopic = config.canary() ? catalog.pluginCanaryTasks(plugin.name()) : catalog.pluginTasks(plugin.name());
    this.intentTopic = ExecutionIntent.topic(catalog);
    String base = catalog.prefix() + "fabric-plugin-" + plugin.name() + (config.canary() ? "-canary" : "");
    this.groupId = base;
    this.transactionalId = base + "-" + config.instanceId();
    this.stage = "plugin:" + plugin.name();
    this.outcomeSizeLimit = new OutcomeSizeLimit(config.maxCheckpointBytes());
    taskSerde.configure(connection.clientConfig(), false);
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
      thread = new Thread(this::run, "fabric-plugin-" + plugin.name() + "-" + config.instanceId());
      thread.start();
    }
  }

  /** True from the moment the consumer subscribed until the loop ends. */
  public boolean isRunning() {
    return running;
  }

  /** The task partitions this runtime owns and has restored the flow state of; empty until then. */
  public Set<TopicPartition> assignment() {
    return assignment;
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

  private void run() {
    boolean abrupt = false;
    try {
      producer = newProducer();
      producer.initTransactions();
      store = new FlowStateStore(connection, catalog, intentTopic, transactionalId + "-state");
      store.verifyCoPartitioned(taskTopic.name());
      consumer = newConsumer();
      wakeable = consumer;
      staged = new StagedTransaction(producer, consumer::groupMetadata);
      if (closing) {
        return;
      }
      consumer.subscribe(List.of(taskTopic.name()), new Rebalance());
      running = true;
      log.info("plugin runtime {} consuming {} in group {}", transactionalId, taskTopic.name(), groupId);
      while (!closing) {
        pollOnce();
      }
    } catch (WakeupException e) {
      if (!closing) {
        failure = e;
        log.error("plugin runtime {} woken up unexpectedly", transactionalId, e);
      }
    } catch (CrashPoint.SimulatedCrash e) {
      abrupt = true;
      failure = e;
      log.warn("plugin runtime {} halted by its crash point: {}", transactionalId, e.getMessage());
    } catch (KafkaException e) {
      failure = e;
      if (isFatal(e)) {
        abrupt = true;
        log.error("plugin runtime {} stops: its producer was fenced or may not go on (another instance with the same "
            + "transactional id took over, or the cluster refused it)", transactionalId, e);
      } else {
        log.error("plugin runtime {} stops on a Kafka error", transactionalId, e);
      }
    } catch (RuntimeException | Error e) {
      failure = e;
      log.error("plugin runtime {} stops on an unexpected error", transactionalId, e);
    } finally {
      running = false;
      assignment = Set.of();
      closeClients(abrupt);
    }
  }

  private void closeClients(boolean abrupt) {
    // abrupt: no abort and no flush, as if the process died; the next instance with this
    // transactional id aborts the open transaction when it calls initTransactions()
    Duration producerTimeout = abrupt ? Duration.ZERO : config.closeTimeout();
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
  }

  private void closeQuietly(String what, Runnable close) {
    try {
      close.run();
    } catch (RuntimeException e) {
      log.warn("plugin runtime {}: closing the {} failed: {}", transactionalId, what, e.toString());
    }
  }

  private KafkaProducer<String, byte[]> newProducer() {
    Map<String, Object> props = connection.clientConfig();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, transactionalId);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) config.transactionTimeout().toMillis());
    props.putAll(FabricStreamsConfig.producerTuning());
    return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
  }

  private KafkaConsumer<byte[], byte[]> newConsumer() {
    Map<String, Object> props = connection.clientConfig();
    props.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, transactionalId + "-tasks");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, config.maxPollRecords());
    // cooperative: a rebalance revokes and assigns only the partitions that move, so the flow state store restores only those
    props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, org.apache.kafka.clients.consumer.CooperativeStickyAssignor.class.getName());
    return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  // ---------------------------------------------------------------- loop

  private void pollOnce() {
    try {
      if (rewindPending) {
        recover();
        rewindPending = false;
      }
      resumeDuePartitions();
      ConsumerRecords<byte[], byte[]> records = consumer.poll(nextPollTimeout());
      if (records.isEmpty()) {
        return;
      }
      store.catchUp();
      tasks:
      for (TopicPartition partition : records.partitions()) {
        for (ConsumerRecord<byte[], byte[]> record : records.records(partition)) {
          if (closing) {
            break tasks;
          }
          Step step = process(record);
          if (staged.waitingNanos() > config.batchLinger().toNanos()) {
            commitStaged();
          }
          if (step == Step.BACK_OFF) {
            break;
          }
        }
      }
      // before the next poll: a rebalance inside it must find no outcome of a revoked partition uncommitted
      commitStaged();
    } catch (KafkaException e) {
      if (e instanceof WakeupException || isFatal(e)) {
        throw e;
      }
      // A broker outage can outlast any single call, the rewind included: keep trying, never give up the loop.
      log.warn("plugin runtime {}: Kafka error, rewinding to the last committed offsets after {}: {}", transactionalId,
          config.errorBackoff(), DeadLetters.describe(e));
      rewindPending = true;
      store.clearStaged();
      try {
        staged.abort();
      } catch (KafkaException abortFailed) {
        if (isFatal(abortFailed)) {
          throw abortFailed;
        }
      }
      LockSupport.parkNanos(config.errorBackoff().toNanos());
    }
  }

  /** After an aborted transaction: rewind to the committed offsets and pause everything for a moment. */
  private void recover() {
    Set<TopicPartition> assigned = consumer.assignment();
    // a failed restore in the rebalance callback is completed here and by the next catch-up
    store.assign(assigned.stream().map(TopicPartition::partition).toList());
    assignment = Set.copyOf(assigned);
    CommittedOffsets.rewind(consumer, assigned);
    consumer.pause(assigned);
    long until = System.nanoTime() + config.errorBackoff().toNanos();
    assigned.forEach(tp -> pausedUntilNanos.put(tp, until));
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
    return Duration.ofNanos(timeout);
  }

  private void backOff(ConsumerRecord<byte[], byte[]> record, Duration delay) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    consumer.seek(tp, record.offset());
    consumer.pause(List.of(tp));
    pausedUntilNanos.put(tp, System.nanoTime() + delay.toNanos());
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      partitions.forEach(pausedUntilNanos::remove);
      store.revoke(numbers(partitions));
      assignment = Set.copyOf(consumer.assignment().stream().filter(tp -> !partitions.contains(tp)).toList());
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      store.assign(numbers(partitions));
      assignment = Set.copyOf(consumer.assignment());
      log.info("plugin runtime {} owns {}", transactionalId, assignment);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      onPartitionsRevoked(partitions);
    }

    private List<Integer> numbers(Collection<TopicPartition> partitions) {
      return partitions.stream().map(TopicPartition::partition).toList();
    }
  }

  // ---------------------------------------------------------------- one record

  private enum Step { NEXT, BACK_OFF }

  private Step process(ConsumerRecord<byte[], byte[]> record) {
    RoutedTask task;
    try {
      task = record.value() == null ? null : taskSerde.deserialize(record.topic(), record.value());
      if (task == null) {
        throw new SerializationException("empty value on " + record.topic());
      }
    } catch (SerializationException e) {
      deadLetterUndecodable(record, e);
      return Step.NEXT;
    }
    TaskRequest request = task.getRequest();
    String traceparent = traceparent(record, request);
    if (!store.owns(request.getFlowId()) || store.partitionOf(request.getFlowId()) != record.partition()) {
      IllegalStateException misplaced = new IllegalStateException("task of flow " + request.getFlowId() + " arrived on partition "
          + record.partition() + " but the flow's state is on partition " + store.partitionOf(request.getFlowId())
          + ": task topics must be keyed by flow id with the default partitioner");
      deadLetter(record, task, null, new Failed(misplaced, List.of(), Reason.PROCESSING_ERROR), traceparent, false);
      return Step.NEXT;
    }
    FlowCheckpoint checkpoint = store.checkpoint(request.getFlowId()).orElse(null);
    if (RollbackRequests.isRollback(request) && RollbackRequests.awaitsCheckpoint(request, checkpoint, now())) {
      backOff(record, config.errorBackoff());
      return Step.BACK_OFF;
    }
    if (RollbackRequests.isRollback(request)) {
      return rollback(record, task, checkpoint, traceparent);
    }
    if (checkpoint != null && !checkpoint.getTenantId().equals(request.getTenantId())) {
      IllegalStateException mismatch = new IllegalStateException("request of tenant " + request.getTenantId() + " for flow "
          + request.getFlowId() + " of tenant " + checkpoint.getTenantId());
      deadLetter(record, task, checkpoint, new Failed(mismatch, List.of(), Reason.TENANT_MISMATCH), traceparent, false);
      return Step.NEXT;
    }
    boolean rerun = false;
    if (FlowCheckpoints.hasStep(checkpoint, request.getRequestId())) {
      Optional<String> whyNot = FlowCheckpoints.whyNotRerun(checkpoint, request);
      boolean done = FlowCheckpoints.step(checkpoint, request.getRequestId())
          .map(st -> StepStatus.valueOf(st.getStatus()) != StepStatus.FAILED).orElse(false);
      if (whyNot.isPresent() && (done || !FlowCheckpoints.isReplay(request))) {
        log.info("plugin runtime {}: request {} of flow {} is already checkpointed; skipped", transactionalId,
            request.getRequestId(), request.getFlowId());
        Batch batch = new Batch(traceparent);
        if (done) {
          // The gate set ROUTED again on the way here; the request's status must go back to what happened.
          batch.add(catalog.requestStatus, request.getRequestId(), Statuses.of(request, task.getDecision(), Outcome.EXECUTED, null,
              "already executed in revision " + checkpoint.getRevision() + "; not run again", now()));
        }
        stage(batch, record, null);
        return Step.NEXT;
      }
      if (whyNot.isPresent()) {
        deadLetter(record, task, checkpoint, new Failed(new IllegalStateException("replay refused: " + whyNot.get()), List.of(),
            Reason.EXECUTION_FAILED), traceparent, false);
        return Step.NEXT;
      }
      rerun = true;
    }
    if (checkpoint != null && !FlowStatus.of(checkpoint).acceptsSteps() && !rerun) {
      IllegalStateException closed = new IllegalStateException("flow " + request.getFlowId() + " is " + checkpoint.getStatus()
          + " since revision " + checkpoint.getRevision() + " and takes no more steps");
      deadLetter(record, task, checkpoint, new Failed(closed, List.of(), Reason.EXECUTION_FAILED), traceparent, false);
      return Step.NEXT;
    }
    String action = request.getAction();
    Attempted attempted = attempt(record, checkpoint, request.getFlowId(), request.getRequestId(), request.getRequestId(),
        Kind.EXECUTE, action, request.getIdempotencyKey(), traceparent,
        context -> plugin.execute(request.getTenantId(), FlowJson.parseObject(request.getPayload()), context));
    if (attempted instanceof BackingOff) {
      return Step.BACK_OFF;
    }
    if (attempted instanceof Failed failed) {
      deadLetter(record, task, checkpoint, failed, traceparent, true);
      return Step.NEXT;
    }
    Done done = (Done) attempted;
    FlowCheckpoint next = FlowCheckpoints.executed(checkpoint, request, plugin.name(), done.result(), plugin.compensable(action),
        done.attempts(), revision());
    Optional<OutcomeSizeLimit.TooLarge> tooLarge = outcomeSizeLimit.check(next, request.getRequestId(), plugin.compensable(action));
    if (tooLarge.isPresent()) {
      deadLetter(record, task, checkpoint, new Failed(tooLarge.get().error(), done.attempts(), tooLarge.get().reason()), traceparent, true);
      return Step.NEXT;
    }
    Batch batch = new Batch(traceparent);
    batch.checkpoint(request.getFlowId(), next);
    batch.add(catalog.requestStatus, request.getRequestId(),
        Statuses.of(request, task.getDecision(), Outcome.EXECUTED, null, next.getNote(), now()));
    batch.clearIntent(request.getFlowId(), request.getRequestId());
    stage(batch, record, () -> config.crashPoint().beforeCommit(done.context(), done.result()));
    return Step.NEXT;
  }

  /** A rollback request: compensate this plugin's next step, pass the request on, or finish the rollback. */
  private Step rollback(ConsumerRecord<byte[], byte[]> record, RoutedTask task, FlowCheckpoint checkpoint, String traceparent) {
    TaskRequest request = task.getRequest();
    String flowId = request.getFlowId();
    if (checkpoint == null) {
      log.warn("plugin runtime {}: rollback of flow {} which has no checkpoint; ignored", transactionalId, flowId);
      stage(new Batch(traceparent), record, null);
      return Step.NEXT;
    }
    if (!checkpoint.getTenantId().equals(request.getTenantId())) {
      IllegalStateException mismatch = new IllegalStateException("rollback request of tenant " + request.getTenantId()
          + " for flow " + flowId + " of tenant " + checkpoint.getTenantId());
      deadLetter(record, task, checkpoint, new Failed(mismatch, List.of(), Reason.TENANT_MISMATCH), traceparent, false);
      return Step.NEXT;
    }
    if (FlowStatus.of(checkpoint) == FlowStatus.ROLLED_BACK) {
      log.info("plugin runtime {}: flow {} is rolled back already", transactionalId, flowId);
      stage(new Batch(traceparent), record, null);
      return Step.NEXT;
    }
    Optional<FlowStep> next = FlowCheckpoints.nextToCompensate(checkpoint);
    if (next.isEmpty()) {
      FlowCheckpoint rolledBack = FlowCheckpoints.rolledBack(checkpoint, revision());
      Batch batch = new Batch(traceparent);
      batch.checkpoint(flowId, rolledBack);
      stage(batch, record, null);
      return Step.NEXT;
    }
    FlowStep step = next.get();
    if (!step.getPlugin().equals(plugin.name())) {
      Batch batch = new Batch(traceparent);
      batch.add(catalog.pluginTasks(step.getPlugin()), flowId, task);
      stage(batch, record, null);
      return Step.NEXT;
    }
    String intentId = "compensate-" + step.getRequestId();
    Map<String, Object> stepResult = FlowJson.parseObject(step.getResult());
    Attempted attempted = attempt(record, checkpoint, flowId, step.getRequestId(), intentId, Kind.COMPENSATE, step.getAction(),
        intentId, traceparent, context -> plugin.compensate(checkpoint.getTenantId(), Map.of(), stepResult, context));
    if (attempted instanceof BackingOff) {
      return Step.BACK_OFF;
    }
    Batch batch = new Batch(traceparent);
    FlowCheckpoint after;
    Runnable beforeCommit = null;
    if (attempted instanceof Failed failed) {
      after = FlowCheckpoints.compensationFailed(checkpoint, step.getRequestId(), DeadLetters.describe(failed.error()), revision());
      DeadLetter letter = DeadLetters.builder(stage, failed.reason(), origin(record), failed.error(), now())
          .setTenantId(checkpoint.getTenantId()).setFlowId(flowId).setRequestId(step.getRequestId())
          .setAction(step.getAction()).setAttempts(failed.attempts()).build();
      batch.add(catalog.dlq, flowId, letter);
      batch.add(catalog.audit, flowId, audit(AuditEvents.COMPENSATION_FAILED, checkpoint.getTenantId(), flowId, step.getRequestId(),
          step.getAction(), after.getNote()));
    } else {
      Done done = (Done) attempted;
      after = FlowCheckpoints.compensated(checkpoint, step.getRequestId(), done.result(), revision());
      FlowCheckpoints.nextToCompensate(after).ifPresent(following ->
          batch.add(catalog.pluginTasks(following.getPlugin()), flowId, task));
      beforeCommit = () -> config.crashPoint().beforeCommit(done.context(), done.result());
    }
    batch.checkpoint(flowId, after);
    batch.clearIntent(flowId, intentId);
    stage(batch, record, beforeCommit);
    return Step.NEXT;
  }

  // ---------------------------------------------------------------- attempts and intents

  @FunctionalInterface
  private interface PluginCall {
    Map<String, Object> call(TaskContext context) throws TaskException;
  }

  private sealed interface Attempted permits Done, Failed, BackingOff {}

  private record Done(Map<String, Object> result, List<ExecutionAttempt> attempts, TaskContext context) implements Attempted {}

  private record Failed(Throwable error, List<ExecutionAttempt> attempts, Reason reason) implements Attempted {}

  private record BackingOff() implements Attempted {}

  /**
   * One attempt of a plugin call, bracketed by intents: settles an in-doubt earlier attempt first,
   * commits the intent, calls, and either returns the result, schedules a retry, or gives up.
   */
  private Attempted attempt(ConsumerRecord<byte[], byte[]> record, FlowCheckpoint checkpoint, String flowId, String requestId,
                            String intentId, Kind kind, String action, String idempotencyKey, String traceparent, PluginCall call) {
    ExecutionIntent prior = store.intent(flowId, intentId).filter(i -> i.kind() == kind).orElse(null);
    List<ExecutionAttempt> attempts = prior == null ? new ArrayList<>() : new ArrayList<>(prior.avroAttempts());
    boolean inDoubtNow = prior != null && prior.pendingAttempt() > 0;
    boolean doubtful = prior != null && prior.doubtful();
    if (inDoubtNow) {
      InDoubtException doubt = new InDoubtException("attempt " + prior.pendingAttempt() + " called " + plugin.name() + " at "
          + Instant.ofEpochMilli(prior.at()) + " but its result was never committed");
      attempts.add(DeadLetters.attempt(prior.pendingAttempt(), Instant.ofEpochMilli(prior.at()).toString(), doubt));
      doubtful = true;
      if (!plugin.inDoubtSupport().canRetryInDoubt()) {
        log.warn("plugin runtime {}: {} of flow {} is in doubt and {} cannot verify it; dead-lettered", transactionalId,
            intentId, flowId, plugin.name());
        return new Failed(new InDoubtException(doubt.getMessage() + "; plugin " + plugin.name()
            + " declares InDoubtSupport.NONE, so it is not called again: a person must check whether the effect happened"),
            attempts, Reason.IN_DOUBT);
      }
      log.info("plugin runtime {}: {} of flow {} is in doubt; calling {} again with inDoubt=true", transactionalId, intentId,
          flowId, plugin.name());
    }
    RetryPolicy policy = plugin.retryPolicy();
    int number = attempts.size() + 1;
    if (!inDoubtNow && number > policy.maxAttempts()) {
      ExecutionAttempt last = attempts.get(attempts.size() - 1);
      return new Failed(new PermanentTaskException("retries exhausted after " + attempts.size() + " attempts; last error: "
          + last.getError()), attempts, Reason.EXECUTION_FAILED);
    }
    // The intent exists to detect a call whose effect may have happened; a side-effect-free plugin can
    // simply be called again, so its first attempt skips that transaction (half the commits per task).
    boolean callAgainIsHarmless = plugin.inDoubtSupport() == InDoubtSupport.SIDE_EFFECT_FREE && number == 1 && !doubtful;
    if (!callAgainIsHarmless) {
      writeIntent(new ExecutionIntent(flowId, intentId, kind, plugin.name(), action, idempotencyKey, number, doubtful,
          intentAttempts(attempts), now()), traceparent);
    }
    TaskContext context = new TaskContext(flowId, requestId, idempotencyKey, action, number, doubtful,
        FlowCheckpoints.state(checkpoint), traceparent, checkpoint == null ? null : checkpoint.getStatus(),
        checkpoint == null ? 0 : checkpoint.getRevision());
    if (lastCallNanos > config.batchLinger().toNanos()) {
      // a slow plugin: the finished tasks before it should not wait for this call
      commitStaged();
    }
    Throwable error;
    boolean retryable;
    long callStart = System.nanoTime();
    try {
      Map<String, Object> result = call.call(context);
      lastCallNanos = System.nanoTime() - callStart;
      Map<String, Object> safe = result == null ? Map.of() : result;
      FlowJson.write(safe);
      attempts.add(DeadLetters.attempt(number, instant().toString(), null));
      return new Done(safe, attempts, context);
    } catch (TaskException e) {
      error = e;
      retryable = e.retryable();
    } catch (RuntimeException e) {
      error = e;
      retryable = false;
    }
    lastCallNanos = System.nanoTime() - callStart;
    attempts.add(DeadLetters.attempt(number, instant().toString(), error));
    if (retryable && policy.allowsAttemptAfter(number)) {
      Duration delay = policy.backoffBefore(number + 1);
      writeIntent(new ExecutionIntent(flowId, intentId, kind, plugin.name(), action, idempotencyKey, 0, doubtful,
          intentAttempts(attempts), now()), traceparent);
      log.info("plugin runtime {}: attempt {} of {} failed ({}); retrying in {} ms", transactionalId, number, intentId,
          DeadLetters.describe(error), delay.toMillis());
      backOff(record, delay);
      return new BackingOff();
    }
    return new Failed(error, attempts, Reason.EXECUTION_FAILED);
  }

  private static List<ExecutionIntent.Attempt> intentAttempts(List<ExecutionAttempt> attempts) {
    return attempts.stream().map(ExecutionIntent.Attempt::of).collect(Collectors.toList());
  }

  /** Commits the intent, with whatever is staged, before the call it announces. */
  private void writeIntent(ExecutionIntent intent, String traceparent) {
    Batch batch = new Batch(traceparent);
    batch.addIntent(intent.flowId(), intent.requestId(), intent);
    stage(batch, null, null);
    commitStaged();
  }

  // ---------------------------------------------------------------- dead letters

  /**
   * Dead-letters a task with its full context and the request's status and an audit event; when the
   * step itself failed, also checkpoints the flow FAILED and starts its rollback (an in-doubt step is
   * left for a person: its effect may stand, so nothing is compensated automatically).
   */
  private void deadLetter(ConsumerRecord<byte[], byte[]> record, RoutedTask task, FlowCheckpoint checkpoint, Failed failed,
                          String traceparent, boolean stepFailed) {
    TaskRequest request = task.getRequest();
    String flowId = request.getFlowId();
    String detail = DeadLetters.bounded(DeadLetters.describe(failed.error()));
    DeadLetter letter = DeadLetters.about(DeadLetters.builder(stage, failed.reason(), origin(record), failed.error(), now()),
        request, task.getDecision().getActionClass()).setAttempts(failed.attempts()).build();
    Batch batch = new Batch(traceparent);
    batch.add(catalog.dlq, flowId, letter);
    if (!RollbackRequests.isRollback(request)) {
      batch.add(catalog.requestStatus, request.getRequestId(),
          Statuses.of(request, task.getDecision(), Outcome.DEAD_LETTER, failed.reason(), detail, now()));
    }
    String auditType = switch (failed.reason()) {
      case IN_DOUBT -> AuditEvents.EXECUTION_IN_DOUBT;
      case TENANT_MISMATCH -> AuditEvents.SECURITY_EVENT;
      default -> AuditEvents.EXECUTION_FAILED;
    };
    batch.add(catalog.audit, flowId, AuditEvents.about(auditType, request, task.getDecision(), stage + ": " + detail, now()));
    if (stepFailed) {
      FlowCheckpoint failedCheckpoint = FlowCheckpoints.failed(checkpoint, request, plugin.name(), failed.attempts(), detail, revision());
      batch.checkpoint(flowId, failedCheckpoint);
      batch.clearIntent(flowId, request.getRequestId());
      if (failed.reason() == Reason.EXECUTION_FAILED) {
        Optional<FlowStep> toCompensate = FlowCheckpoints.nextToCompensate(failedCheckpoint);
        if (toCompensate.isPresent()) {
          String why = "step " + request.getAction() + " (" + request.getRequestId() + ") failed: " + detail;
          RoutedTask rollback = RollbackRequests.create(failedCheckpoint, why, stage, traceparent, now());
          batch.checkpoint(flowId, FlowCheckpoints.rollbackRequested(failedCheckpoint, why, revision()));
          batch.add(catalog.pluginTasks(toCompensate.get().getPlugin()), flowId, rollback);
        } else {
          batch.checkpoint(flowId, FlowCheckpoints.rolledBack(failedCheckpoint, revision()));
        }
      }
    }
    stage(batch, record, null);
  }

  private void deadLetterUndecodable(ConsumerRecord<byte[], byte[]> record, SerializationException error) {
    log.warn("plugin runtime {}: undecodable record {}-{}@{} dead-lettered: {}", transactionalId, record.topic(), record.partition(),
        record.offset(), error.getMessage());
    DeadLetter letter = DeadLetters.builder(stage, Reason.UNDECODABLE, origin(record), error, now()).build();
    String key = record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
    Batch batch = new Batch(TraceContext.get(record.headers()));
    batch.add(catalog.dlq, key, letter);
    batch.add(catalog.audit, key, AuditEvents.about(AuditEvents.UNDECODABLE_RECORD, null, null,
        stage + ": " + record.topic() + "-" + record.partition() + "@" + record.offset() + ": " + DeadLetters.bounded(error.getMessage()),
        now()));
    stage(batch, record, null);
  }

  private static DeadLetters.Origin origin(ConsumerRecord<byte[], byte[]> record) {
    return new DeadLetters.Origin(record.topic(), record.partition(), record.offset(), record.key(), record.value(), record.headers());
  }

  private AuditEvent audit(String type, String tenantId, String flowId, String requestId, String action, String detail) {
    return AuditEvent.newBuilder().setId(java.util.UUID.randomUUID().toString()).setAt(now()).setType(type)
        .setTenantId(tenantId).setFlowId(flowId).setRequestId(requestId).setAction(action).setDetail(detail).build();
  }

  // ---------------------------------------------------------------- transactions

  /**
   * The records of one task's outcome, each carrying the task's traceparent, and what the flow state
   * store learns from them once they are committed.
   */
  private final class Batch {
    private final String traceparent;
    private final List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
    private final List<java.util.function.Consumer<RecordMetadata>> onCommitted = new ArrayList<>();
    private final List<Runnable> onStaged = new ArrayList<>();

    Batch(String traceparent) {
      this.traceparent = traceparent;
    }

    /** Adds a record (a null value is a tombstone). */
    <V> void add(TopicSpec<String, V> topic, String key, V value) {
      add(topic, null, key, value, null);
    }

    /** Adds the flow's new checkpoint and its revision. */
    void checkpoint(String flowId, FlowCheckpoint checkpoint) {
      add(catalog.flowState, null, flowId, checkpoint, written -> store.ownCheckpoint(flowId, checkpoint, written.offset()));
      add(catalog.flowRevisions, flowId, checkpoint);
      onStaged.add(() -> store.stageCheckpoint(flowId, checkpoint));
    }

    /** Adds the intent's tombstone if there is an intent (a side-effect-free first attempt writes none). */
    void clearIntent(String flowId, String intentId) {
      if (store.intent(flowId, intentId).isPresent()) {
        addIntent(flowId, intentId, null);
      }
    }

    /** Adds an intent or its tombstone: keyed by intent id, on the partition of its flow. */
    void addIntent(String flowId, String intentId, ExecutionIntent intent) {
      add(intentTopic, store.partitionOf(flowId), intentId, intent == null ? null : intent.toJson(),
          written -> store.ownIntent(flowId, intentId, intent, written.offset()));
      onStaged.add(() -> store.stageIntent(intentId, intent));
    }

    private <V> void add(TopicSpec<String, V> topic, Integer partition, String key, V value,
                         java.util.function.Consumer<RecordMetadata> committed) {
      byte[] bytes = value == null ? null : serializer(topic).serialize(topic.name(), value);
      ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic.name(), partition, key, bytes);
      TraceContext.set(record.headers(), traceparent);
      records.add(record);
      onCommitted.add(committed);
    }
  }

  @SuppressWarnings("unchecked")
  private <V> Serializer<V> serializer(TopicSpec<String, V> topic) {
    return (Serializer<V>) serializers.computeIfAbsent(topic.name(), name -> topic.valueSerde().serializer());
  }

  /**
   * Adds a task's outcome and, when {@code consumed} is given, its offset to the transaction being
   * prepared; its checkpoints and intents are visible to the next task at once. {@code beforeCommit}
   * is the crash point's place.
   */
  private void stage(Batch batch, ConsumerRecord<byte[], byte[]> consumed, Runnable beforeCommit) {
    for (int i = 0; i < batch.records.size(); i++) {
      staged.add(batch.records.get(i), batch.onCommitted.get(i));
    }
    batch.onStaged.forEach(Runnable::run);
    if (consumed != null) {
      staged.consumed(consumed);
    }
    if (beforeCommit != null) {
      staged.beforeCommit(beforeCommit);
    }
  }

  /** Commits everything staged in one transaction. */
  private void commitStaged() {
    staged.commit();
    store.clearStaged();
  }

  /** Errors after which this producer instance must not be used again. */
  static boolean isFatal(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof ApplicationRecoverableException || t instanceof AuthorizationException
          || t instanceof UnsupportedVersionException) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- small helpers

  private String traceparent(ConsumerRecord<byte[], byte[]> record, TaskRequest request) {
    String header = TraceContext.get(record.headers());
    if (header != null) {
      return header;
    }
    return request.getTraceparent() != null ? request.getTraceparent() : TraceContext.newTraceparent();
  }

  private Instant instant() {
    return config.clock().instant();
  }

  private long now() {
    return instant().toEpochMilli();
  }

  private Revision revision() {
    return Revision.now(instant());
  }
}
