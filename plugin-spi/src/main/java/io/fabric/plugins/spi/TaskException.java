package io.fabric.plugins.spi;

/** A task failed; subclasses say whether trying again can help. */
public abstract class TaskException extends Exception {
  protected TaskException(String message, Throwable cause) {
    super(message, cause);
  }

  public abstract boolean retryable();
}
