package io.fabric.plugins.runtime;

import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.observability.FabricMetrics;
import io.fabric.plugins.flows.FlowCheckpoints;
import io.fabric.plugins.flows.FlowJson;
import io.fabric.plugins.runtime.ExecutionIntent.Kind;
import io.fabric.plugins.spi.InDoubtSupport;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryPolicy;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.plugins.spi.TaskException;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.tracing.Hop;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One attempt of a plugin call, bracketed by intents: settles an in-doubt earlier attempt first,
 * commits the intent, calls, and returns what happened (done, failed for good, or back off) for the
 * caller to stage; it never touches the consumer. Intents go through {@link Intents}, so a test
 * drives it with a map.
 */
final class AttemptRunner {
  private static final Logger log = LoggerFactory.getLogger(AttemptRunner.class);

  /** Where intents are found and committed. */
  interface Intents {
    Optional<ExecutionIntent> find(String flowId, String intentId);

    /** Commits the intent (with whatever was staged before it) before the call it announces. */
    void commit(ExecutionIntent intent, String traceparent);

    /** Just before a call; {@code lastCallNanos} is how long the previous call took. */
    void beforeCall(long lastCallNanos);
  }

  @FunctionalInterface
  interface PluginCall {
    Map<String, Object> call(TaskContext context) throws TaskException;
  }

  /**
   * What one attempt is about.
   *
   * @param inDoubtSupport what the plugin can do when this call (execute or compensate) is in doubt
   */
  record Attempt(String flowId, String requestId, String intentId, Kind kind, String action, String idempotencyKey,
                 String traceparent, FlowCheckpoint checkpoint, InDoubtSupport inDoubtSupport, RetryPolicy retryPolicy) {}

  sealed interface Attempted permits Done, Failed, BackingOff {}

  record Done(Map<String, Object> result, List<ExecutionAttempt> attempts, TaskContext context) implements Attempted {}

  record Failed(Throwable error, List<ExecutionAttempt> attempts, Reason reason) implements Attempted {}

  /** Try again after {@code delay}: the partition waits, the task is consumed again. */
  record BackingOff(Duration delay) implements Attempted {}

  private final String plugin;
  private final String runtime;
  private final Clock clock;
  private final PluginTracing tracing;
  private final FabricMetrics metrics;
  private long lastCallNanos;

  AttemptRunner(String plugin, String runtime, Clock clock) {
    this(plugin, runtime, clock, PluginTracing.OFF, FabricMetrics.discard());
  }

  /** @param metrics counts attempts, failures and in-doubt settlements, and times the calls */
  AttemptRunner(String plugin, String runtime, Clock clock, PluginTracing tracing, FabricMetrics metrics) {
    this.metrics = metrics;
    this.plugin = plugin;
    this.runtime = runtime;
    this.clock = clock;
    this.tracing = tracing;
  }

  PluginTracing tracing() {
    return tracing;
  }

  /** How long the last plugin call took. */
  long lastCallNanos() {
    return lastCallNanos;
  }

  Attempted run(Attempt a, PluginCall call, Intents intents) {
    ExecutionIntent prior = intents.find(a.flowId(), a.intentId()).filter(i -> i.kind() == a.kind()).orElse(null);
    // Every attempt of a step sends its vendor the key the first one did, as its intent recorded it: an intent written
    // before vendor.keys changed (VendorIdempotencyKey) holds the other form, and a retry (in doubt or after a backoff)
    // with the new one would be a new operation to the vendor, a second charge.
    String key = prior != null && prior.idempotencyKey() != null ? prior.idempotencyKey() : a.idempotencyKey();
    List<ExecutionAttempt> attempts = prior == null ? new ArrayList<>() : new ArrayList<>(prior.avroAttempts());
    boolean inDoubtNow = prior != null && prior.pendingAttempt() > 0;
    boolean doubtful = prior != null && prior.doubtful();
    if (inDoubtNow) {
      InDoubtException doubt = new InDoubtException("attempt " + prior.pendingAttempt() + " called " + plugin + " at "
          + Instant.ofEpochMilli(prior.at()) + " but its result was never committed");
      attempts.add(DeadLetters.attempt(prior.pendingAttempt(), Instant.ofEpochMilli(prior.at()).toString(), doubt));
      doubtful = true;
      if (!a.inDoubtSupport().canRetryInDoubt()) {
        log.warn("plugin runtime {}: {} of flow {} is in doubt and {} cannot verify it; dead-lettered", runtime,
            a.intentId(), a.flowId(), plugin);
        metrics.inDoubt(plugin, false);
        return new Failed(new InDoubtException(doubt.getMessage() + "; plugin " + plugin
            + " declares InDoubtSupport.NONE, so it is not called again: a person must check whether the effect happened"),
            attempts, Reason.IN_DOUBT);
      }
      log.info("plugin runtime {}: {} of flow {} is in doubt; calling {} again with inDoubt=true", runtime, a.intentId(),
          a.flowId(), plugin);
      metrics.inDoubt(plugin, true);
    }
    if (!inDoubtNow && prior != null && prior.notBefore() > now()) {
      // a retry whose backoff is not over: this runtime may have just taken the partition over
      return new BackingOff(Duration.ofMillis(prior.notBefore() - now()));
    }
    RetryPolicy policy = a.retryPolicy();
    int number = attempts.size() + 1;
    if (!inDoubtNow && number > policy.maxAttempts()) {
      ExecutionAttempt last = attempts.get(attempts.size() - 1);
      return new Failed(new PermanentTaskException("retries exhausted after " + attempts.size() + " attempts; last error: "
          + last.getError()), attempts, Reason.EXECUTION_FAILED);
    }
    // The intent exists to detect a call whose effect may have happened; a side-effect-free plugin can
    // simply be called again, so its first attempt skips that transaction (half the commits per task).
    boolean callAgainIsHarmless = a.inDoubtSupport() == InDoubtSupport.SIDE_EFFECT_FREE && number == 1 && !doubtful;
    if (!callAgainIsHarmless) {
      intents.commit(new ExecutionIntent(a.flowId(), a.intentId(), a.kind(), plugin, a.action(), key, number,
          doubtful, intentAttempts(attempts), now(), 0), a.traceparent());
    }
    FlowCheckpoint checkpoint = a.checkpoint();
    Hop span = tracing.attempt(a, number);
    TaskContext context = new TaskContext(a.flowId(), a.requestId(), key, a.action(), number, doubtful,
        FlowCheckpoints.state(checkpoint), span.traceparent(), checkpoint == null ? null : checkpoint.getStatus(),
        checkpoint == null ? 0 : checkpoint.getRevision());
    intents.beforeCall(lastCallNanos);
    metrics.pluginAttempt(plugin, a.kind().name().toLowerCase(java.util.Locale.ROOT));
    Throwable error;
    boolean retryable;
    long callStart = System.nanoTime();
    try {
      Map<String, Object> result = call.call(context);
      lastCallNanos = System.nanoTime() - callStart;
      metrics.pluginCall(plugin, "success", lastCallNanos);
      Map<String, Object> safe = result == null ? Map.of() : result;
      FlowJson.write(safe);
      attempts.add(DeadLetters.attempt(number, clock.instant().toString(), null));
      tracing.done(span);
      return new Done(safe, attempts, context);
    } catch (TaskException e) {
      error = e;
      retryable = e.retryable();
    } catch (RuntimeException e) {
      error = e;
      retryable = false;
    }
    lastCallNanos = System.nanoTime() - callStart;
    metrics.pluginCall(plugin, retryable ? "retryable" : "failed", lastCallNanos);
    attempts.add(DeadLetters.attempt(number, clock.instant().toString(), error));
    tracing.failed(span, error, retryable && policy.allowsAttemptAfter(number));
    if (retryable && policy.allowsAttemptAfter(number)) {
      Duration delay = policy.backoffBefore(number + 1);
      intents.commit(new ExecutionIntent(a.flowId(), a.intentId(), a.kind(), plugin, a.action(), key, 0, doubtful,
          intentAttempts(attempts), now(), now() + delay.toMillis()), a.traceparent());
      log.info("plugin runtime {}: attempt {} of {} failed ({}); retrying in {} ms", runtime, number, a.intentId(),
          DeadLetters.describe(error), delay.toMillis());
      return new BackingOff(delay);
    }
    return new Failed(error, attempts, Reason.EXECUTION_FAILED);
  }

  private long now() {
    return clock.instant().toEpochMilli();
  }

  private static List<ExecutionIntent.Attempt> intentAttempts(List<ExecutionAttempt> attempts) {
    return attempts.stream().map(ExecutionIntent.Attempt::of).collect(Collectors.toList());
  }
}
