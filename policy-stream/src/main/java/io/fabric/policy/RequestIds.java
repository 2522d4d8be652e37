package io.fabric.policy;

import io.fabric.contracts.TaskRequest;

/**
 * Keeps request ids unique across tenants and flows: the first request with an id claims it; a later
 * record with the same id is either the same request again (a resend, dropped; or a DLQ replay,
 * admitted) or a different request reusing the id, which is refused so it can never replace the
 * first one's pending entry or status. Kafka-free: the gate's {@code request-ids} store holds the
 * {@link Claim#encode() encoded} claims, keyed by request id.
 */
public final class RequestIds {
  /** What to do with a request, given the claim on its id. */
  public enum Judgement { FIRST, RESEND, REPLAY, REUSED }

  /**
   * The first request seen with an id: what identifies it (fingerprint) and what a security event
   * names. Stored as {@code fingerprint|tenant|flow|action|first seen}; none of these contain {@code |}.
   */
  public record Claim(String fingerprint, String tenant, String flow, String action, long firstSeenMillis) {
    public static Claim of(TaskRequest request, long now) {
      return new Claim(RequestIds.fingerprint(request), request.getTenantId(), request.getFlowId(), request.getAction(), now);
    }

    public String encode() {
      return String.join("|", fingerprint, tenant, flow, action, Long.toString(firstSeenMillis));
    }

    public static Claim decode(String stored) {
      if (stored == null) {
        return null;
      }
      String[] parts = stored.split("\\|", -1);
      if (parts.length != 5) {
        throw new IllegalArgumentException("not a request-id claim: " + stored);
      }
      return new Claim(parts[0], parts[1], parts[2], parts[3], Long.parseLong(parts[4]));
    }
  }

  private RequestIds() {}

  public static Judgement judge(Claim claim, TaskRequest request) {
    if (claim == null) {
      return Judgement.FIRST;
    }
    if (!claim.fingerprint().equals(fingerprint(request))) {
      return Judgement.REUSED;
    }
    return request.getReplay() != null ? Judgement.REPLAY : Judgement.RESEND;
  }

  /**
   * The audit detail when an id is reused: it names both requests when they are of one tenant. The event is
   * filed under the second request's tenant, which reads it (the gateway's audit events are scoped by tenant),
   * so another tenant's first request is named only as that: its tenant, flow and action are not the reuser's
   * to learn (the id's status tells an operator whose it is).
   */
  public static String reuseDetail(Claim first, TaskRequest second) {
    String firstOne = first.tenant().equals(second.getTenantId())
        ? "another request (tenant " + first.tenant() + ", flow " + first.flow() + ", action " + first.action() + ")"
        : "a request of another tenant";
    return "request id " + second.getRequestId() + " is already taken by " + firstOne + "; this one (tenant " + second.getTenantId() + ", flow " + second.getFlowId()
        + ", action " + second.getAction() + ", idempotency key " + second.getIdempotencyKey()
        + ") is refused and the first is unchanged";
  }

  /**
   * SHA-256 over what makes a request this request: tenant, flow, action, idempotency key, final
   * step and payload, each length-prefixed so no two different requests share the bytes. Source,
   * timestamps, trace context, attributes, token and replay lineage may differ between a request and
   * its resend or replay.
   */
  public static String fingerprint(TaskRequest request) {
    return FieldDigest.sha256Hex(request.getTenantId(), request.getFlowId(), request.getAction(), request.getIdempotencyKey(),
        Boolean.toString(request.getFinalStep()), request.getPayload());
  }

}
