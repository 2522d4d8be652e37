package io.fabric.plugins.spi;

/** A failure that will fail again: bad input, a 4xx other than 429, a refused operation. */
public class PermanentTaskException extends TaskException {
  public PermanentTaskException(String message) {
    this(message, null);
  }

  public PermanentTaskException(String message, Throwable cause) {
    super(message, cause);
  }

  @Override
  public boolean retryable() {
    return false;
  }
}
