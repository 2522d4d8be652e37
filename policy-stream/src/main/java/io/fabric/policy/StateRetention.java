package io.fabric.policy;

import java.time.Duration;

/**
 * How long the gate remembers what keeps requests honest once they are done: a flow's owner after
 * the flow's last request, and a request id after it was first seen. Past these, the flow id and the
 * request id may be used again.
 */
public record StateRetention(Duration flowOwners, Duration requestIds) {
  public static final StateRetention DEFAULT = new StateRetention(Duration.ofDays(30), Duration.ofDays(30));

  public StateRetention {
    if (flowOwners.isNegative() || flowOwners.isZero() || requestIds.isNegative() || requestIds.isZero()) {
      throw new PolicyException("retention must be positive, got flow owners " + flowOwners + ", request ids " + requestIds);
    }
  }
}
