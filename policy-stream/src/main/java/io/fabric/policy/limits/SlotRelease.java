package io.fabric.policy.limits;

import io.fabric.schemas.records.Outcome;

/**
 * Which statuses end a concurrency slot ({@code in_flight} of {@code limits.rules} and
 * {@code limits.plugins}): every outcome a request the limits stage released can still reach and
 * after which it runs no more. A slot a status cannot free is held for ever and, once a budget's
 * slots are all held so, its requests wait for ever; {@link LimitLedger#reclaimExpired} is only the
 * backstop. The switch names every {@link Outcome} (no default), so a new outcome does not compile
 * until it is classified here.
 */
public final class SlotRelease {
  private SlotRelease() {}

  /** Whether a status with this outcome frees the slots its request holds. */
  public static boolean frees(Outcome outcome) {
    return switch (outcome) {
      // the plugin runtime's result, or the router's / runtime's dead letter (unknown task type, failed, refused, in doubt)
      case EXECUTED, DEAD_LETTER -> true;
      // after release the plugin-cap stage blocks a task when its queue is full or the policy in force refuses it as it is
      // released; the claim stage keeps copies of a request from writing a status under a claimed id
      case BLOCKED -> true;
      // decided before the gate for another submission, so never a released request's; freeing on it costs nothing
      // (the ledger frees only a request it released, for its tenant, once) and keeps the rule "terminal frees" whole
      case DUPLICATE -> true;
      // ROUTED: the plugin-cap stage starts a task it held; HELD: waiting for its plugin's cap; PENDING_APPROVAL: before
      // the limits stage. None ends the request.
      case ROUTED, HELD, PENDING_APPROVAL -> false;
    };
  }

  /**
   * As {@link #frees(Outcome)} for a status record's outcome text; an outcome this version does not
   * know (written by a newer app) frees nothing: the slot lease reclaims it instead.
   */
  public static boolean frees(String outcome) {
    if (outcome == null) {
      return false;
    }
    try {
      return frees(Outcome.valueOf(outcome));
    } catch (IllegalArgumentException unknown) {
      return false;
    }
  }
}
