package io.fabric.agents.router;

import java.util.List;

/** Every provider of the chain failed (or a failure was not worth trying elsewhere); lists each attempt. */
public final class ModelRoutingException extends Exception {
  private static final long serialVersionUID = 1L;
  private final transient List<ModelRouter.Attempt> attempts;

  ModelRoutingException(String message, List<ModelRouter.Attempt> attempts) {
    super(message);
    this.attempts = List.copyOf(attempts);
  }

  public List<ModelRouter.Attempt> attempts() {
    return attempts;
  }
}
