package io.fabric.agents.router;

import io.fabric.agents.model.ModelProvider;
import io.fabric.agents.model.ProviderConfig;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The providers and routing rules of a process, from configuration: a system property
 * ({@code fabric.agents.provider.openai.base_url}) wins over the environment variable of the same
 * name in upper case with {@code _} for {@code .} and {@code -} ({@code FABRIC_AGENTS_PROVIDER_OPENAI_BASE_URL}).
 *
 * <pre>
 * fabric.agents.providers                       names in default fallback order, e.g. openai,anthropic
 * fabric.agents.provider.NAME.kind              openai (chat completions) or anthropic (Messages); default openai
 * fabric.agents.provider.NAME.base_url          up to the API version, e.g. https://api.openai.com/v1
 * fabric.agents.provider.NAME.api_key           optional (local servers need none); never logged
 * fabric.agents.provider.NAME.model             the model asked for when the agent names none
 * fabric.agents.provider.NAME.timeout_ms        per call; default 60000
 * fabric.agents.routes                          AGENT@TENANT=p1,p2; ... (see RoutingRules)
 * </pre>
 */
public final class ModelProviders {
  public static final String PREFIX = "fabric.agents.";
  public static final String PROVIDERS = PREFIX + "providers";
  public static final String ROUTES = PREFIX + "routes";

  private ModelProviders() {}

  /** Settings from this JVM's system properties, then its environment. */
  public static Function<String, Optional<String>> fromSystem() {
    return key -> Optional.ofNullable(System.getProperty(key)).or(() -> Optional.ofNullable(System.getenv(envName(key))))
        .filter(v -> !v.isBlank());
  }

  /** Settings from a map (tests), read the same way. */
  public static Function<String, Optional<String>> from(Map<String, String> settings) {
    return key -> Optional.ofNullable(settings.get(key)).filter(v -> !v.isBlank());
  }

  /** {@code fabric.agents.provider.sandbox-openai.base_url} as {@code FABRIC_AGENTS_PROVIDER_SANDBOX_OPENAI_BASE_URL}. */
  public static String envName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  public static String key(String provider, String setting) {
    return PREFIX + "provider." + provider + "." + setting;
  }

  /** The configured providers, in order; empty when none is configured. Incomplete configuration fails naming the key. */
  public static List<ProviderConfig> configs(Function<String, Optional<String>> settings) {
    List<ProviderConfig> configs = new ArrayList<>();
    Optional<String> names = settings.apply(PROVIDERS);
    if (names.isEmpty()) {
      return configs;
    }
    for (String raw : names.get().split(",")) {
      String name = raw.strip();
      if (name.isEmpty()) {
        continue;
      }
      ProviderConfig.Kind kind = ProviderConfig.Kind.parse(settings.apply(key(name, "kind")).orElse("openai"));
      String baseUrl = settings.apply(key(name, "base_url")).orElseThrow(() -> missing(name, "base_url"));
      String model = settings.apply(key(name, "model")).orElseThrow(() -> missing(name, "model"));
      Duration timeout = settings.apply(key(name, "timeout_ms")).map(ms -> Duration.ofMillis(Long.parseLong(ms.strip())))
          .orElse(ProviderConfig.DEFAULT_TIMEOUT);
      configs.add(new ProviderConfig(name, kind, baseUrl, settings.apply(key(name, "api_key")), model, timeout));
    }
    return configs;
  }

  public static RoutingRules rules(Function<String, Optional<String>> settings) {
    return RoutingRules.parse(settings.apply(ROUTES).orElse(""));
  }

  /** A router over the configured providers on the real clock. */
  public static ModelRouter router(Function<String, Optional<String>> settings, HttpClient http, ModelMetrics metrics) {
    List<ModelProvider> providers = configs(settings).stream().map(c -> c.provider(http)).toList();
    return ModelRouter.of(providers, rules(settings), metrics);
  }

  private static IllegalArgumentException missing(String provider, String setting) {
    return new IllegalArgumentException("model provider " + provider + " needs " + key(provider, setting) + " (or "
        + envName(key(provider, setting)) + ")");
  }
}
