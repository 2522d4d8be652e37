package io.fabric.agents.model;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Where and how to reach one provider. The API key is held here only: {@link #toString()} and every
 * error message leave it out, so a logged or stored config never carries it.
 *
 * @param baseUrl up to and including the API version, e.g. {@code https://api.openai.com/v1},
 *     {@code http://localhost:11434/v1} (Ollama), {@code https://api.anthropic.com/v1}
 * @param apiKey empty for local servers that need none
 */
public record ProviderConfig(String name, Kind kind, String baseUrl, Optional<String> apiKey, String defaultModel, Duration timeout) {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  /** The wire format a provider speaks. */
  public enum Kind {
    /** OpenAI's chat completions: OpenAI, vLLM, Ollama, llama.cpp server, most gateways. */
    OPENAI,
    /** Anthropic's Messages API. */
    ANTHROPIC;

    public static Kind parse(String text) {
      try {
        return valueOf(text.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("unknown provider kind '" + text + "' (expected openai or anthropic)", e);
      }
    }
  }

  public ProviderConfig {
    baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    apiKey = apiKey.filter(k -> !k.isBlank());
  }

  /** A provider of this config's kind. */
  public ModelProvider provider(java.net.http.HttpClient http) {
    return kind == Kind.OPENAI ? new OpenAiChatProvider(this, http) : new AnthropicMessagesProvider(this, http);
  }

  @Override
  public String toString() {
    return "ProviderConfig[name=" + name + ", kind=" + kind.name().toLowerCase(Locale.ROOT) + ", baseUrl=" + baseUrl + ", apiKey="
        + (apiKey.isPresent() ? Redaction.REDACTED : "none") + ", defaultModel=" + defaultModel + ", timeout=" + timeout + "]";
  }
}
