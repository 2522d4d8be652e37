package io.fabric.policy;

/** A policy file that is unreadable or would loosen what the fabric promises; refused at start. */
public class PolicyException extends RuntimeException {
  public PolicyException(String message) {
    super(message);
  }

  public PolicyException(String message, Throwable cause) {
    super(message, cause);
  }
}
