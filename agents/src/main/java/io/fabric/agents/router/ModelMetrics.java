package io.fabric.agents.router;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;

/**
 * Per-provider meters of model calls (the seed's model-routing dashboard): latency and outcome of
 * every attempt, tokens in and out. Tags are bounded: provider names come from configuration and
 * results from {@link io.fabric.agents.model.ModelCallException.Kind}.
 */
public final class ModelMetrics {
  /** Timer: one model call attempt. Tags: provider, result (ok or a failure kind, lower case). */
  public static final String CALLS = "fabric.model.calls";
  /** Counter: tokens a provider reported. Tags: provider, direction (input, output). */
  public static final String TOKENS = "fabric.model.tokens";
  public static final String TAG_PROVIDER = "provider";
  public static final String TAG_RESULT = "result";
  public static final String TAG_DIRECTION = "direction";

  private final MeterRegistry registry;

  public ModelMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Meters kept in memory only, for callers without a registry. */
  public static ModelMetrics inMemory() {
    return new ModelMetrics(new SimpleMeterRegistry());
  }

  public MeterRegistry registry() {
    return registry;
  }

  void attempt(String provider, String result, Duration latency) {
    Timer.builder(CALLS).tag(TAG_PROVIDER, provider).tag(TAG_RESULT, result).register(registry).record(latency);
  }

  void tokens(String provider, long input, long output) {
    Counter.builder(TOKENS).tag(TAG_PROVIDER, provider).tag(TAG_DIRECTION, "input").register(registry).increment(input);
    Counter.builder(TOKENS).tag(TAG_PROVIDER, provider).tag(TAG_DIRECTION, "output").register(registry).increment(output);
  }
}
