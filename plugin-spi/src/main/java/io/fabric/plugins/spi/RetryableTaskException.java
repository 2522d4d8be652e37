package io.fabric.plugins.spi;

/** A failure that may pass on another attempt: a timeout, HTTP 429 or 5xx. */
public class RetryableTaskException extends TaskException {
  public RetryableTaskException(String message) {
    this(message, null);
  }

  public RetryableTaskException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean retryable() {
    return true;
  }
}
