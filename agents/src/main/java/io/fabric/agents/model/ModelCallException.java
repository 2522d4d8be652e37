package io.fabric.agents.model;

import java.time.Duration;
import java.util.Optional;

/**
 * A model call that failed, classified once here so the router's decisions stay simple: a timeout,
 * a 429 and a 5xx are worth another attempt (and, after the last, the next provider); anything else
 * (a bad key, a bad request, an answer that is not the wire format) is not. The message never holds
 * the API key: providers build it from the status and the provider's error text, passed through
 * {@link Redaction}.
 */
public final class ModelCallException extends Exception {
  private static final long serialVersionUID = 1L;

  public enum Kind {
    TIMEOUT(true), RATE_LIMITED(true), SERVER_ERROR(true), UNREACHABLE(true), CLIENT_ERROR(false), BAD_RESPONSE(false);

    private final boolean retryable;

    Kind(boolean retryable) {
      this.retryable = retryable;
    }

    public boolean retryable() {
      return retryable;
    }
  }

  private final Kind kind;
  private final String provider;
  private final transient Optional<Duration> retryAfter;

  public ModelCallException(Kind kind, String provider, String message, Optional<Duration> retryAfter) {
    super(provider + ": " + message);
    this.kind = kind;
    this.provider = provider;
    this.retryAfter = retryAfter;
  }

  public ModelCallException(Kind kind, String provider, String message) {
    this(kind, provider, message, Optional.empty());
  }

  public Kind kind() {
    return kind;
  }

  public String provider() {
    return provider;
  }

  public boolean retryable() {
    return kind.retryable();
  }

  /** How long the provider asked to wait (a 429's {@code Retry-After}), if it said. */
  public Optional<Duration> retryAfter() {
    return retryAfter == null ? Optional.empty() : retryAfter;
  }
}
