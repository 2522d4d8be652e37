package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The settings of one vendor plugin: base URL, credentials, timeouts. A key {@code k} of plugin
 * {@code p} is looked up as the system property {@code fabric.plugin.p.k}, then the environment
 * variable {@code FABRIC_P_K}, then the default below, and read again on every task, so a sandbox or
 * an operator can (re)point a plugin that {@link java.util.ServiceLoader} already created. Missing
 * credentials fail the task, never the plugin's construction. Values of {@link #SECRET_KEYS} are
 * credentials: {@link #redact} removes them from any text that leaves a plugin.
 */
public final class VendorConfig {
  public static final String PROPERTY_PREFIX = "fabric.plugin.";
  public static final String ENV_PREFIX = "FABRIC_";

  public static final String BASE_URL = "base_url";
  public static final String CONNECT_TIMEOUT_MS = "connect_timeout_ms";
  public static final String REQUEST_TIMEOUT_MS = "request_timeout_ms";
  public static final String MAX_ATTEMPTS = "max_attempts";
  /** The most HTTP requests one plugin call makes one after the other, for {@link #worstCaseCall()}. */
  static final int REQUESTS_PER_CALL = 2;

  /** Keys holding credentials, in any plugin. */
  public static final Set<String> SECRET_KEYS = Set.of("token", "secret_key", "auth_token", "password", "secret");

  private static final Map<String, String> COMMON_DEFAULTS = Map.of(
      CONNECT_TIMEOUT_MS, "5000",
      REQUEST_TIMEOUT_MS, "15000",
      MAX_ATTEMPTS, String.valueOf(RetryPolicy.DEFAULT.maxAttempts()));

  private static final Map<String, Map<String, String>> PLUGIN_DEFAULTS = Map.of(
      "whatsapp", Map.of(BASE_URL, "https://graph.facebook.com", "api_version", "21.0"),
      "salesforce", Map.of("api_version", "60.0", "sobject", "Account", "external_id_field", "External_Id__c"),
      "stripe", Map.of(BASE_URL, "https://api.stripe.com"),
      "voice", Map.of(BASE_URL, "https://api.twilio.com"),
      "contracts", Map.of(BASE_URL, "https://demo.docusign.net", "lookup_days", "30"),
      "email", Map.of("port", "587", "starttls", "true", "ssl", "false"),
      "webhook", Map.of("receiver_deduplicates", "true"));

  /** Secrets shorter than this are not redacted: replacing every "a" in a message would hide more than it protects. */
  private static final int MIN_REDACTED_LENGTH = 4;

  private final String plugin;
  private final UnaryOperator<String> properties;
  private final UnaryOperator<String> environment;

  private VendorConfig(String plugin, UnaryOperator<String> properties, UnaryOperator<String> environment) {
    this.plugin = plugin;
    this.properties = properties;
    this.environment = environment;
  }

  /** The live configuration: system properties over environment variables over defaults, read at each call. */
  public static VendorConfig fromEnvironment(String plugin) {
    return new VendorConfig(plugin, System::getProperty, System::getenv);
  }

  /** A fixed configuration from property-style keys ({@code fabric.plugin.<plugin>.<key>}), e.g. the vendor sandbox's {@code systemProperties()}. */
  public static VendorConfig of(String plugin, Map<String, String> properties) {
    Map<String, String> copy = Map.copyOf(properties);
    return new VendorConfig(plugin, copy::get, name -> null);
  }

  /** A fixed configuration from property-style and environment-style names, as the live one sees them. */
  static VendorConfig of(String plugin, Map<String, String> properties, Map<String, String> environment) {
    Map<String, String> props = Map.copyOf(properties);
    Map<String, String> env = Map.copyOf(environment);
    return new VendorConfig(plugin, props::get, env::get);
  }

  /** A fixed configuration from plain keys ({@code token}, {@code base_url}), handy in tests. */
  public static VendorConfig ofKeys(String plugin, Map<String, String> keys) {
    Map<String, String> properties = new LinkedHashMap<>();
    keys.forEach((key, value) -> properties.put(propertyName(plugin, key), value));
    return of(plugin, properties);
  }

  public static String propertyName(String plugin, String key) {
    return PROPERTY_PREFIX + plugin + "." + key;
  }

  public static String envName(String plugin, String key) {
    return ENV_PREFIX + (plugin + "_" + key).toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
  }

  /** The defaults of {@code plugin}, common ones included. */
  public static Map<String, String> defaults(String plugin) {
    Map<String, String> defaults = new LinkedHashMap<>(COMMON_DEFAULTS);
    defaults.putAll(PLUGIN_DEFAULTS.getOrDefault(plugin, Map.of()));
    return defaults;
  }

  public String plugin() {
    return plugin;
  }

  /** The value of {@code key}, blank counting as unset. */
  public Optional<String> get(String key) {
    String value = properties.apply(propertyName(plugin, key));
    if (value == null || value.isBlank()) {
      value = environment.apply(envName(plugin, key));
    }
    if (value == null || value.isBlank()) {
      value = defaults(plugin).get(key);
    }
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.strip());
  }

  public String get(String key, String fallback) {
    return get(key).orElse(fallback);
  }

  /**
   * The values of {@code keys}, or a permanent failure naming every missing one and where to set it,
   * e.g. "whatsapp plugin is not configured: set FABRIC_WHATSAPP_TOKEN (or system property
   * fabric.plugin.whatsapp.token)".
   */
  public Map<String, String> require(String... keys) throws PermanentTaskException {
    Map<String, String> values = new LinkedHashMap<>();
    List<String> missing = new ArrayList<>();
    for (String key : keys) {
      get(key).ifPresentOrElse(value -> values.put(key, value), () -> missing.add(key));
    }
    if (!missing.isEmpty()) {
      throw new PermanentTaskException(plugin + " plugin is not configured: set "
          + String.join(", ", missing.stream().map(key -> envName(plugin, key)).toList())
          + " (or system properties " + String.join(", ", missing.stream().map(key -> propertyName(plugin, key)).toList()) + ")");
    }
    return values;
  }

  public boolean flag(String key) throws PermanentTaskException {
    String value = get(key, "false").toLowerCase(Locale.ROOT);
    return switch (value) {
      case "true", "yes", "1", "on" -> true;
      case "false", "no", "0", "off" -> false;
      default -> throw new PermanentTaskException(plugin + " plugin: " + envName(plugin, key) + " must be true or false, not '" + value + "'");
    };
  }

  public int number(String key) throws PermanentTaskException {
    String value = get(key).orElseThrow(() -> new PermanentTaskException(plugin + " plugin is not configured: set " + envName(plugin, key)));
    try {
      int number = Integer.parseInt(value);
      if (number < 0) {
        throw new NumberFormatException();
      }
      return number;
    } catch (NumberFormatException e) {
      throw new PermanentTaskException(plugin + " plugin: " + envName(plugin, key) + " must be a non-negative integer, not '" + value + "'");
    }
  }

  public Duration millis(String key) throws PermanentTaskException {
    return Duration.ofMillis(Math.max(1, number(key)));
  }

  /**
   * The longest one plugin call can take: {@value #REQUESTS_PER_CALL} requests (an in-doubt look-up,
   * then the action) of connect plus request timeout each. Empty for unusable timeouts, which the
   * call itself reports; the runtime then takes its default.
   */
  public java.util.Optional<Duration> worstCaseCall() {
    try {
      return java.util.Optional.of(millis(CONNECT_TIMEOUT_MS).plus(millis(REQUEST_TIMEOUT_MS)).multipliedBy(REQUESTS_PER_CALL));
    } catch (PermanentTaskException e) {
      return java.util.Optional.empty();
    }
  }

  /**
   * {@link RetryPolicy#DEFAULT} with {@code max_attempts} from the configuration; an unusable value
   * keeps the default, since the runtime asks for the policy outside any task.
   */
  public RetryPolicy retryPolicy() {
    RetryPolicy fallback = RetryPolicy.DEFAULT;
    try {
      int attempts = Integer.parseInt(get(MAX_ATTEMPTS, String.valueOf(fallback.maxAttempts())));
      return attempts < 1 ? fallback : new RetryPolicy(attempts, fallback.initialBackoff(), fallback.maxBackoff());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /** The configured credentials (values of {@link #SECRET_KEYS}), longest first. */
  public List<String> secrets() {
    return SECRET_KEYS.stream().map(this::get).flatMap(Optional::stream)
        .filter(secret -> secret.length() >= MIN_REDACTED_LENGTH)
        .sorted(Comparator.comparingInt(String::length).reversed())
        .toList();
  }

  /** {@code text} with every configured credential replaced by {@code ***}. */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String redacted = text;
    for (String secret : secrets()) {
      redacted = redacted.replace(secret, "***");
    }
    return redacted;
  }
}
