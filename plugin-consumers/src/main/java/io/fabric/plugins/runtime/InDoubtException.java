package io.fabric.plugins.runtime;

/**
 * An attempt whose plugin call happened but whose result was never committed (the runtime stopped or
 * its transaction failed in between). Recorded as that attempt's error, and the DLQ error when the
 * plugin cannot verify the effect.
 */
public final class InDoubtException extends Exception {
  public InDoubtException(String message) {
    super(message);
  }
}
