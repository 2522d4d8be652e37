package io.fabric.policy;

/** The seed's three risk classes; the order is from safest to forbidden. */
public enum ActionClass {
  /** Safe: runs at once. */
  A,
  /** Needs a signed approval. */
  B,
  /** Forbidden: always blocked, whatever the token. */
  C;

  public boolean stricterThan(ActionClass other) {
    return compareTo(other) > 0;
  }
}
