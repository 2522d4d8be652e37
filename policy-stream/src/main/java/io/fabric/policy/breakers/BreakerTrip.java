package io.fabric.policy.breakers;

/**
 * A breaker that tripped: what {@code fabric.breakers} holds under the scope's key while it pauses
 * the scope, and what {@code fabric breakers list} shows.
 *
 * @param tripId names this trip; a reset must name it, so a reset of an earlier trip lifts nothing
 * @param tenant the tenant of the event that tripped it: an approver must be in scope for it to reset
 */
public record BreakerTrip(String tripId, String scope, String tenant, String breaker, String rule, double total, long trippedAt,
                          boolean hold) {
  public static final String TYPE = "TRIPPED";

  public String describe() {
    return scope + " paused by breaker " + rule + ": reached " + (total == Math.rint(total) ? Long.toString((long) total) : Double.toString(total))
        + (hold ? "; its requests are held until `fabric breakers reset`" : "; its requests are blocked PAUSED until `fabric breakers reset`");
  }
}
