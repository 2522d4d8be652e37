package io.fabric.schemas.records;

import io.fabric.contracts.TaskRequest;

/**
 * The key of a request on {@code tasks.ingress}: {@code <tenant>|<idempotency key>}, the scope in
 * which policy-stream deduplicates. Requests keyed this way are deduplicated on the partition they
 * arrive on; requests keyed otherwise (a flow id, no key) are accepted too, at the cost of one more
 * trip through Kafka (policy-stream repartitions them by this key first).
 */
public final class IngressKey {
  private IngressKey() {}

  public static String of(TaskRequest request) {
    return request.getTenantId() + "|" + request.getIdempotencyKey();
  }

  /** Whether {@code key} is the request's ingress key, i.e. its record needs no repartitioning. */
  public static boolean matches(String key, TaskRequest request) {
    return key != null && key.equals(of(request));
  }
}
