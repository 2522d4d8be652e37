package io.fabric.agents.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.agents.definition.AgentDefinition.ModelPreference;
import io.fabric.agents.definition.AgentDefinition.ModelSettings;
import io.fabric.agents.model.ChatMessage;
import io.fabric.agents.model.ChatRequest;
import io.fabric.agents.model.ChatResponse;
import io.fabric.agents.model.ModelCallException;
import io.fabric.agents.model.ModelCallException.Kind;
import io.fabric.agents.model.ModelProvider;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ModelRouterTest {
  private static final ChatRequest REQUEST = new ChatRequest(null, "be brief", List.of(ChatMessage.user("hi")), List.of(), 0.2, 100);
  private static final ModelSettings NO_PREFERENCES = new ModelSettings(List.of(), 0.2, 100, 8);

  /** A provider that answers from a script: each entry is a failure kind, or null for an answer. */
  static final class ScriptedProvider implements ModelProvider {
    final String name;
    final Deque<Kind> script;
    final List<String> modelsAsked = new ArrayList<>();
    Optional<Duration> retryAfter = Optional.empty();

    ScriptedProvider(String name, Kind... failures) {
      this.name = name;
      this.script = new ArrayDeque<>(List.of(failures));
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public String defaultModel() {
      return name + "-default";
    }

    @Override
    public ChatResponse chat(ChatRequest request) throws ModelCallException {
      modelsAsked.add(request.model());
      Kind next = script.poll();
      if (next != null) {
        throw new ModelCallException(next, name, "scripted " + next, retryAfter);
      }
      return new ChatResponse(name, request.model(), "answer from " + name, List.of(), "stop", new ChatResponse.Usage(10, 5),
          Duration.ZERO);
    }
  }

  private final List<Duration> slept = new ArrayList<>();
  private final AtomicLong now = new AtomicLong();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private ModelRouter router(RoutingRules rules, ModelProvider... providers) {
    return new ModelRouter(List.of(providers), rules, RetryPolicy.DEFAULT, slept::add, () -> now.addAndGet(1_000_000), () -> 0.5,
        new ModelMetrics(registry));
  }

  @Test
  void retriesWithExponentialBackoffAndJitterThenAnswers() throws Exception {
    ScriptedProvider openai = new ScriptedProvider("openai", Kind.TIMEOUT, Kind.SERVER_ERROR);
    ModelRouter.Routed routed = router(RoutingRules.NONE, openai).chat("triage", "acme", NO_PREFERENCES, REQUEST);
    assertEquals("answer from openai", routed.response().text());
    assertEquals(List.of("timeout", "server_error", "ok"), routed.attempts().stream().map(ModelRouter.Attempt::result).toList());
    assertEquals(List.of(Duration.ofMillis(375), Duration.ofMillis(750)), slept, "0.5 s then 1 s, each less 25% (jitter 0.5 x random 0.5)");
    assertEquals(Duration.ofMillis(1), routed.response().latency(), "latency measured on the injected clock");
  }

  @Test
  void fallsBackToTheNextProviderAfterThreeRetryableFailures() throws Exception {
    ScriptedProvider openai = new ScriptedProvider("openai", Kind.RATE_LIMITED, Kind.RATE_LIMITED, Kind.SERVER_ERROR);
    ScriptedProvider anthropic = new ScriptedProvider("anthropic");
    ModelRouter.Routed routed = router(RoutingRules.NONE, openai, anthropic).chat("triage", "acme", NO_PREFERENCES, REQUEST);
    assertEquals("anthropic", routed.response().provider());
    assertEquals(4, routed.attempts().size());
    assertEquals(2, slept.size(), "no wait before falling back");
    assertEquals(List.of("anthropic-default"), anthropic.modelsAsked);
    assertEquals(3, registry.get(ModelMetrics.CALLS).tag("provider", "openai").timers().stream().mapToLong(t -> t.count()).sum());
    assertEquals(5.0, registry.get(ModelMetrics.TOKENS).tag("provider", "anthropic").tag("direction", "output").counter().count());
  }

  @Test
  void aClientErrorIsNeitherRetriedNorFallenBackFrom() {
    ScriptedProvider openai = new ScriptedProvider("openai", Kind.CLIENT_ERROR);
    ScriptedProvider anthropic = new ScriptedProvider("anthropic");
    ModelRoutingException e = assertThrows(ModelRoutingException.class,
        () -> router(RoutingRules.NONE, openai, anthropic).chat("triage", "acme", NO_PREFERENCES, REQUEST));
    assertEquals(1, e.attempts().size());
    assertEquals(List.of(), anthropic.modelsAsked);
    assertEquals(List.of(), slept);
  }

  @Test
  void whenEveryProviderFailsTheErrorListsEachAttempt() {
    ModelRoutingException e = assertThrows(ModelRoutingException.class, () -> router(RoutingRules.NONE,
        new ScriptedProvider("a", Kind.TIMEOUT, Kind.TIMEOUT, Kind.TIMEOUT), new ScriptedProvider("b", Kind.UNREACHABLE,
            Kind.UNREACHABLE, Kind.UNREACHABLE)).chat("triage", "acme", NO_PREFERENCES, REQUEST));
    assertEquals(6, e.attempts().size());
    assertTrue(e.getMessage().contains("a attempt 3 timeout; b attempt 1 unreachable"), e.getMessage());
  }

  @Test
  void aRetryAfterLongerThanTheBackoffCapFallsBackAtOnce() throws Exception {
    ScriptedProvider openai = new ScriptedProvider("openai", Kind.RATE_LIMITED);
    openai.retryAfter = Optional.of(Duration.ofMinutes(1));
    ScriptedProvider anthropic = new ScriptedProvider("anthropic");
    assertEquals("anthropic", router(RoutingRules.NONE, openai, anthropic).chat("t", "x", NO_PREFERENCES, REQUEST).response().provider());
    assertEquals(List.of(), slept);

    ScriptedProvider shortWait = new ScriptedProvider("openai", Kind.RATE_LIMITED);
    shortWait.retryAfter = Optional.of(Duration.ofSeconds(2));
    router(RoutingRules.NONE, shortWait).chat("t", "x", NO_PREFERENCES, REQUEST);
    assertEquals(List.of(Duration.ofSeconds(2)), slept, "Retry-After wins over a shorter backoff");
  }

  @Test
  void agentPreferencesComeFirstAndNameTheModel() throws Exception {
    ScriptedProvider openai = new ScriptedProvider("openai");
    ScriptedProvider anthropic = new ScriptedProvider("anthropic");
    ModelSettings prefers = new ModelSettings(List.of(new ModelPreference("anthropic", Optional.of("claude-x"))), 0.2, 100, 8);
    ModelRouter.Routed routed = router(RoutingRules.NONE, openai, anthropic).chat("triage", "acme", prefers, REQUEST);
    assertEquals("anthropic", routed.response().provider());
    assertEquals(List.of("claude-x"), anthropic.modelsAsked);
  }

  @Test
  void theFirstMatchingRuleDecidesAloneAndUnknownProvidersAreSkipped() {
    RoutingRules rules = RoutingRules.parse("triage@acme=local,nowhere; *@acme=anthropic ; *@*=openai,anthropic");
    List<String> configured = List.of("openai", "anthropic", "local");
    List<ModelPreference> prefs = List.of(new ModelPreference("openai", Optional.empty()));
    assertEquals(List.of("local"), rules.chain("triage", "acme", prefs, configured), "a tenant kept on its local model");
    assertEquals(List.of("anthropic"), rules.chain("other", "acme", prefs, configured));
    assertEquals(List.of("openai", "anthropic"), rules.chain("other", "beta", prefs, configured));
    assertEquals(List.of("openai", "anthropic", "local"), RoutingRules.NONE.chain("other", "beta", prefs, configured));
    assertEquals(List.of("local", "openai", "anthropic"),
        RoutingRules.NONE.chain("x", "y", List.of(new ModelPreference("local", Optional.empty())), configured));
    assertThrows(IllegalArgumentException.class, () -> RoutingRules.parse("triage=openai"));
  }

  @Test
  void backoffGrowsExponentiallyUpToItsCap() {
    RetryPolicy policy = new RetryPolicy(5, Duration.ofSeconds(1), 2, Duration.ofSeconds(5), 0.5);
    assertEquals(Duration.ofSeconds(1), policy.delayAfter(1, () -> 0));
    assertEquals(Duration.ofSeconds(4), policy.delayAfter(3, () -> 0));
    assertEquals(Duration.ofSeconds(5), policy.delayAfter(4, () -> 0), "capped");
    assertEquals(Duration.ofMillis(2500), policy.delayAfter(4, () -> 1.0), "at most half of it is jitter");
  }
}
