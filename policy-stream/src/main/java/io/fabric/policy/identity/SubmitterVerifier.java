package io.fabric.policy.identity;

import io.fabric.contracts.TaskRequest;
import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.Ed25519Signatures;
import io.fabric.policy.approvals.ApproverRegistry;
import io.fabric.schemas.identity.ReadStatement;
import io.fabric.schemas.identity.RequestStatement;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The gate's check of who asked: the request names a registered submitter, carries that
 * submitter's Ed25519 signature over its {@link RequestStatement}, is fresh, and asks for a tenant
 * and an action the submitter's scope covers. Kafka cannot say who produced a record, so this is
 * what makes {@code tenant_id} mean something. Single use needs no ledger here: the signature covers
 * the request id, which the gate claims once; a replay keeps its request's id, so the gate spends it
 * by its lineage instead ({@link SpentReplays}). A replay (a request with replay lineage) is signed by
 * the DLQ replayer when it is replayed: its freshness is the lineage's {@code replayed_at}, and its
 * signer must be a replayer ({@link ReservedNames#REPLAY_SCOPE} in its actions) whose scope covers the
 * tenant and the action. A request naming a gateway caller ({@link ReservedNames#GATEWAY_PRINCIPAL_ATTRIBUTE})
 * must be signed by a gateway ({@link ReservedNames#GATEWAY_SCOPE} in its actions).
 */
public final class SubmitterVerifier {
  public static final Duration DEFAULT_MAX_AGE = Duration.ofMinutes(10);
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofMinutes(2);

  /**
   * Why a request is refused: {@link Reason#UNAUTHENTICATED} or {@link Reason#UNAUTHORIZED};
   * {@code authentic} when the signature did verify (refused for its time or scope), so the request
   * is the submitter's own and its id must never run later.
   */
  public record Refusal(Reason reason, String detail, boolean authentic) {}

  private final Supplier<ApproverRegistry> submitters;
  private final long maxAgeMillis;
  private final long skewMillis;

  public SubmitterVerifier(ApproverRegistry submitters) {
    this(() -> submitters, DEFAULT_MAX_AGE, DEFAULT_CLOCK_SKEW);
  }

  /** @param submitters read on every check, so a reloaded registry takes effect at once */
  public SubmitterVerifier(Supplier<ApproverRegistry> submitters, Duration maxAge, Duration clockSkew) {
    this.submitters = submitters;
    this.maxAgeMillis = maxAge.toMillis();
    this.skewMillis = clockSkew.toMillis();
  }

  /** How long after it was signed a request (or a replay) still passes {@link #check}: its maximum age plus the clock skew allowed. */
  public Duration signatureLifetime() {
    return Duration.ofMillis(maxAgeMillis + skewMillis);
  }

  /** Whether a request that was admitted still stands: its submitter is registered with the same key and scope (no freshness). */
  public Optional<Refusal> checkStanding(TaskRequest request) {
    return verify(request, null);
  }

  /** Whether {@code submitter} is registered and its scope covers {@code tenant}, whatever it signed. */
  public boolean mayActFor(String submitter, String tenant) {
    return submitter != null && submitters.get().find(submitter).map(s -> s.mayApproveTenant(tenant)).orElse(false);
  }

  public Optional<Refusal> check(TaskRequest request, long now) {
    return verify(request, now);
  }

  private Optional<Refusal> verify(TaskRequest request, Long now) {
    String name = request.getSubmitter();
    boolean replay = request.getReplay() != null;
    if (name == null || name.isBlank() || request.getSubmitterSignature() == null) {
      return unauthenticated("the request is not signed: this fabric accepts only requests signed by a registered submitter");
    }
    Optional<Approver> submitter = submitters.get().find(name);
    if (submitter.isEmpty()) {
      return unauthenticated("unknown submitter " + name);
    }
    if (!signatureValid(submitter.get(), RequestStatement.of(request, name), request.getSubmitterSignature())) {
      return unauthenticated("bad signature: not signed by submitter " + name + "'s key, or altered after signing");
    }
    // a replay is signed when it is replayed: its freshness is the replayer's, the request keeps its first submitted_at
    long signedAt = replay ? request.getReplay().getReplayedAt() : request.getSubmittedAt();
    if (now != null && signedAt > now + skewMillis) {
      return Optional.of(new Refusal(Reason.UNAUTHENTICATED, "signed for " + Instant.ofEpochMilli(signedAt)
          + ", in the future", true));
    }
    if (now != null && signedAt < now - maxAgeMillis) {
      return Optional.of(new Refusal(Reason.UNAUTHENTICATED, "stale: signed at " + Instant.ofEpochMilli(signedAt)
          + ", more than " + Duration.ofMillis(maxAgeMillis) + " ago", true));
    }
    if (replay && !submitter.get().actions().contains(ReservedNames.REPLAY_SCOPE)) {
      return Optional.of(new Refusal(Reason.UNAUTHORIZED, "submitter " + name + " may not replay requests (its actions do not list "
          + ReservedNames.REPLAY_SCOPE + ")", true));
    }
    if (request.getAttributes() != null && request.getAttributes().containsKey(ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE)) {
      // only the gateway names the API-key holder it acts for. A replay carries its original's attribute under the
      // replayer's signature, which vouches for the record, not for who could set it: the submitter that first asked
      // (its lineage's original_submitter, signed by the replayer) must be a gateway too
      String asker = replay ? request.getReplay().getOriginalSubmitter() : name;
      boolean gateway = asker != null && (replay ? submitters.get().find(asker) : submitter)
          .map(s -> s.actions().contains(ReservedNames.GATEWAY_SCOPE)).orElse(false);
      if (!gateway) {
        return Optional.of(new Refusal(Reason.UNAUTHORIZED, "submitter " + asker + " may not name a gateway caller ("
            + ReservedNames.GATEWAY_PRINCIPAL_ATTRIBUTE + "): its actions do not list " + ReservedNames.GATEWAY_SCOPE
            + (replay ? " (replayed by " + name + ")" : ""), true));
      }
    }
    if (!submitter.get().mayApproveTenant(request.getTenantId())) {
      return Optional.of(new Refusal(Reason.UNAUTHORIZED, "submitter " + name + " may not act for tenant " + request.getTenantId(), true));
    }
    if (!submitter.get().mayApproveAction(request.getAction())) {
      return Optional.of(new Refusal(Reason.UNAUTHORIZED, "submitter " + name + " may not request action " + request.getAction(), true));
    }
    return Optional.empty();
  }

  private static Optional<Refusal> unauthenticated(String detail) {
    return Optional.of(new Refusal(Reason.UNAUTHENTICATED, detail, false));
  }

  private static boolean signatureValid(Approver submitter, byte[] signed, ByteBuffer signature) {
    return Ed25519Signatures.valid(submitter.publicKey(), signed, signature);
  }

  /** Who may read what over HTTP: the authenticated submitter, or why not. */
  public record Reader(Optional<Approver> submitter, String problem) {
    public boolean mayRead(String tenantId) {
      return submitter.isPresent() && submitter.get().mayApproveTenant(tenantId);
    }
  }

  /**
   * Checks an {@code Authorization: Fabric-Ed25519 NAME:MILLIS:SIGNATURE} header for {@code method path}:
   * a registered submitter's signature over {@link ReadStatement}, made within the freshness window.
   */
  public Reader reader(String authorization, String method, String path, long now) {
    String prefix = ReadStatement.SCHEME + " ";
    if (authorization == null || !authorization.startsWith(prefix)) {
      return new Reader(Optional.empty(), "missing credential: send Authorization: " + ReadStatement.SCHEME + " NAME:MILLIS:SIGNATURE");
    }
    String[] parts = authorization.substring(prefix.length()).trim().split(":", -1);
    if (parts.length != 3) {
      return new Reader(Optional.empty(), "malformed credential");
    }
    Optional<Approver> submitter = submitters.get().find(parts[0]);
    long at;
    byte[] signature;
    try {
      at = Long.parseLong(parts[1]);
      signature = Base64.getUrlDecoder().decode(parts[2]);
    } catch (IllegalArgumentException e) {
      return new Reader(Optional.empty(), "malformed credential");
    }
    if (submitter.isEmpty() || !signatureValid(submitter.get(), ReadStatement.of(method, path, parts[0], at), ByteBuffer.wrap(signature))) {
      return new Reader(Optional.empty(), "unknown submitter or bad signature");
    }
    if (at > now + skewMillis || at < now - maxAgeMillis) {
      return new Reader(Optional.empty(), "stale credential: sign each request with the current time");
    }
    return new Reader(submitter, null);
  }
}
