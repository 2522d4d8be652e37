package io.fabric.agents.router;

import io.fabric.agents.definition.AgentDefinition.ModelSettings;
import io.fabric.agents.model.ChatRequest;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ModelCallException;
import io.fabric.agents.model.ModelProvider;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends one model turn to the right provider: the {@link RoutingRules} give the chain, each provider
 * gets up to {@link RetryPolicy#attempts()} attempts with exponential backoff and jitter while its
 * failures are retryable (timeout, 429, 5xx, unreachable), then the next provider of the chain is
 * tried. A failure that is not retryable (a 4xx: bad key, bad request, an answer in the wrong format)
 * ends the call at once: another provider would get the same request, and hiding a misconfiguration
 * behind a fallback makes it last.
 *
 * <p>The clock, the sleeper and the randomness are injected, so tests assert the exact waits without
 * waiting.
 */
public final class ModelRouter {
  private static final Logger log = LoggerFactory.getLogger(ModelRouter.class);

  /** Waits between attempts; {@code Thread::sleep} in production. */
  @FunctionalInterface
  public interface Sleeper {
    void sleep(Duration duration) throws InterruptedException;
  }

  /** One call made: which provider, which of its attempts, the outcome ({@code ok} or the failure kind) and how long it took. */
  public record Attempt(String provider, String model, int attempt, String result, Duration latency, String error) {}

  /** The answer and every attempt it took. */
  public record Routed(ChatResponse response, List<Attempt> attempts) {}

  private final Map<String, ModelProvider> providers;
  private final RoutingRules rules;
  private final RetryPolicy retry;
  private final Sleeper sleeper;
  private final LongSupplier nanoTime;
  private final DoubleSupplier random;
  private final ModelMetrics metrics;

  /** @param providers every configured provider, in configuration order (the default fallback order) */
  public ModelRouter(List<ModelProvider> providers, RoutingRules rules, RetryPolicy retry, Sleeper sleeper, LongSupplier nanoTime,
      DoubleSupplier random, ModelMetrics metrics) {
    Map<String, ModelProvider> byName = new LinkedHashMap<>();
    for (ModelProvider provider : providers) {
      if (byName.putIfAbsent(provider.name(), provider) != null) {
        throw new IllegalArgumentException("two providers are named " + provider.name());
      }
    }
    this.providers = byName;
    this.rules = rules;
    this.retry = retry;
    this.sleeper = sleeper;
    this.nanoTime = nanoTime;
    this.random = random;
    this.metrics = metrics;
  }

  /** A router on the real clock and sleep. */
  public static ModelRouter of(List<ModelProvider> providers, RoutingRules rules, ModelMetrics metrics) {
    return new ModelRouter(providers, rules, RetryPolicy.DEFAULT, d -> Thread.sleep(d.toMillis()), System::nanoTime,
        () -> ThreadLocalRandom.current().nextDouble(), metrics);
  }

  public List<String> providerNames() {
    return List.copyOf(providers.keySet());
  }

  /** The providers {@code agent} would try for {@code tenant}, in order. */
  public List<String> chain(String agent, String tenant, ModelSettings settings) {
    return rules.chain(agent, tenant, settings.preferences(), List.copyOf(providers.keySet()));
  }

  /**
   * One model turn of {@code agent} for {@code tenant}; the request's model is replaced per provider
   * by the agent's preference for it, else the provider's default.
   *
   * @throws ModelRoutingException when no provider answered; its message lists every attempt
   * @throws InterruptedException when interrupted while waiting to retry
   */
  public Routed chat(String agent, String tenant, ModelSettings settings, ChatRequest request)
      throws ModelRoutingException, InterruptedException {
    List<String> chain = chain(agent, tenant, settings);
    if (chain.isEmpty()) {
      throw new ModelRoutingException("no model provider serves agent " + agent + " for tenant " + tenant
          + " (configured: " + providers.keySet() + ", rules: " + rules + ")", List.of());
    }
    List<Attempt> attempts = new ArrayList<>();
    for (String name : chain) {
      ModelProvider provider = providers.get(name);
      String model = settings.modelFor(name).orElse(provider.defaultModel());
      ChatRequest forProvider = request.withModel(model);
      for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
        long started = nanoTime.getAsLong();
        try {
          ChatResponse response = provider.chat(forProvider);
          Duration latency = Duration.ofNanos(nanoTime.getAsLong() - started);
          attempts.add(new Attempt(name, model, attempt, "ok", latency, null));
          metrics.attempt(name, "ok", latency);
          metrics.tokens(name, response.usage().inputTokens(), response.usage().outputTokens());
          return new Routed(response.withLatency(latency), List.copyOf(attempts));
        } catch (ModelCallException e) {
          Duration latency = Duration.ofNanos(nanoTime.getAsLong() - started);
          String result = e.kind().name().toLowerCase(Locale.ROOT);
          attempts.add(new Attempt(name, model, attempt, result, latency, e.getMessage()));
          metrics.attempt(name, result, latency);
          if (!e.retryable()) {
            throw new ModelRoutingException("model call failed and is not worth retrying: " + e.getMessage(), attempts);
          }
          if (attempt == retry.attempts()) {
            log.warn("model provider {} failed {} times ({}); falling back", name, attempt, e.getMessage());
            break;
          }
          Optional<Duration> wait = retry.delayAfter(attempt, random, e.retryAfter());
          if (wait.isEmpty()) {
            log.warn("model provider {} asks to wait {}; falling back instead", name, e.retryAfter().orElseThrow());
            break;
          }
          sleeper.sleep(wait.get());
        }
      }
    }
    throw new ModelRoutingException("no model provider answered agent " + agent + ": " + String.join("; ",
        attempts.stream().map(a -> a.provider() + " attempt " + a.attempt() + " " + a.result()).toList()), attempts);
  }
}
