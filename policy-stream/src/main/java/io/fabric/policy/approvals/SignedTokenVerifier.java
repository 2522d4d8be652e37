package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.TaskRequest;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The gate's check that a token proves a registered approver, within their scope, decided on exactly
 * this request with exactly this payload, and that the token is still current.
 *
 * <p>Checks, in order, each failing with a short reason for the audit trail: the token is well
 * formed; its approver is registered; the Ed25519 signature over {@link TokenStatement} verifies with
 * that approver's key (so no field was altered); the decision is APPROVE or REJECT; it names this
 * request id, tenant, flow (when it names one) and action; its payload hash is the canonical hash of
 * this request's payload; the approver's scope covers the action and tenant; it was not issued in the
 * future (beyond the allowed clock skew) and has not expired.
 *
 * <p>A correctly signed REJECT is <em>valid</em>: the verdict says the token is genuine, and the gate
 * reads {@link ApprovalDecision#of} to block the request as {@code APPROVAL_REJECTED}. Single use is
 * not checked here; see {@link NonceLedger}.
 */
public final class SignedTokenVerifier implements TokenVerifier {
  /** How far the signer's clock may run ahead of the gate's. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofMinutes(2);

  private final Supplier<ApproverRegistry> registry;
  private final long allowedSkewMillis;

  public SignedTokenVerifier(ApproverRegistry registry) {
    this(() -> registry, DEFAULT_CLOCK_SKEW);
  }

  /**
   * @param registry read on every verification, so a reloaded registry (file or topic) takes effect
   *     without rebuilding the verifier
   */
  public SignedTokenVerifier(Supplier<ApproverRegistry> registry, Duration allowedClockSkew) {
    if (allowedClockSkew.isNegative()) {
      throw new IllegalArgumentException("clock skew must not be negative, got " + allowedClockSkew);
    }
    this.registry = registry;
    this.allowedSkewMillis = allowedClockSkew.toMillis();
  }

  @Override
  public ApprovalToken decode(String encodedToken) throws InvalidTokenException {
    return TokenCodec.decode(encodedToken);
  }

  @Override
  public TokenVerdict verify(ApprovalToken token, TaskRequest request, long nowMillis) {
    if (token == null) {
      return TokenVerdict.invalid("no token");
    }
    TokenStatement statement;
    byte[] signed;
    try {
      statement = TokenStatement.of(token);
      signed = statement.toBytes();
    } catch (IllegalArgumentException e) {
      return TokenVerdict.invalid("malformed token: " + e.getMessage());
    }
    Optional<Approver> known = registry.get().find(statement.approver());
    if (known.isEmpty()) {
      return TokenVerdict.invalid("unknown approver " + statement.approver());
    }
    Approver approver = known.get();
    if (!signatureValid(approver.publicKey(), signed, token.getSignature())) {
      return TokenVerdict.invalid("bad signature: not signed by approver " + approver.name()
          + "'s key, or altered after signing");
    }
    if (ApprovalDecision.parse(statement.decision()).isEmpty()) {
      return TokenVerdict.invalid("unknown decision '" + statement.decision() + "' (expected APPROVE or REJECT)");
    }
    if (statement.nonce().isBlank()) {
      return TokenVerdict.invalid("token has no nonce, so it could not be used only once");
    }
    Optional<String> unbound = bindingProblem(statement, request);
    if (unbound.isPresent()) {
      return TokenVerdict.invalid(unbound.get());
    }
    if (!approver.mayApproveAction(request.getAction())) {
      return TokenVerdict.invalid("approver " + approver.name() + " may not approve action " + request.getAction());
    }
    if (!approver.mayApproveTenant(request.getTenantId())) {
      return TokenVerdict.invalid("approver " + approver.name() + " may not approve for tenant " + request.getTenantId());
    }
    return timeProblem(statement, nowMillis).map(TokenVerdict::invalid).orElseGet(TokenVerdict::ok);
  }

  private static Optional<String> bindingProblem(TokenStatement statement, TaskRequest request) {
    if (!statement.requestId().equals(request.getRequestId())) {
      return Optional.of("token is for request " + statement.requestId() + ", not " + request.getRequestId());
    }
    if (!statement.tenantId().equals(request.getTenantId())) {
      return Optional.of("token is for tenant " + statement.tenantId() + ", not " + request.getTenantId());
    }
    if (!statement.flowId().isEmpty() && !statement.flowId().equals(request.getFlowId())) {
      return Optional.of("token is for flow " + statement.flowId() + ", not " + request.getFlowId());
    }
    if (!statement.action().equals(request.getAction())) {
      return Optional.of("token approves action " + statement.action() + ", not " + request.getAction());
    }
    String payloadHash;
    try {
      payloadHash = CanonicalPayload.sha256Of(request.getPayload());
    } catch (IllegalArgumentException e) {
      return Optional.of("request payload cannot be bound to a token: " + e.getMessage());
    }
    if (!payloadHash.equals(statement.payloadSha256())) {
      return Optional.of("payload hash differs: the token approves a different payload");
    }
    return Optional.empty();
  }

  private Optional<String> timeProblem(TokenStatement statement, long nowMillis) {
    if (statement.expiresAtMillis() <= statement.issuedAtMillis()) {
      return Optional.of("token expires (" + instant(statement.expiresAtMillis()) + ") before it was issued ("
          + instant(statement.issuedAtMillis()) + ")");
    }
    if (statement.issuedAtMillis() > nowMillis + allowedSkewMillis) {
      return Optional.of("token issued in the future, at " + instant(statement.issuedAtMillis())
          + " (clock skew allowed: " + Duration.ofMillis(allowedSkewMillis) + ")");
    }
    if (statement.expiresAtMillis() <= nowMillis) {
      return Optional.of("token expired at " + instant(statement.expiresAtMillis()));
    }
    return Optional.empty();
  }

  private static boolean signatureValid(PublicKey key, byte[] signed, ByteBuffer signature) {
    if (signature == null || signature.remaining() != Ed25519.SIGNATURE_SIZE) {
      return false;
    }
    ByteBuffer view = signature.duplicate();
    byte[] bytes = new byte[Ed25519.SIGNATURE_SIZE];
    view.get(bytes);
    // BouncyCastle's Ed25519 instead of Signature.getInstance("Ed25519"): the same RFC 8032 check at
    // about a quarter of the JDK 17 provider's CPU (measured in BENCHMARKS.md), and the gate runs it
    // for every approval token
    byte[] rawKey = ApproverKeys.rawEd25519(key);
    return Ed25519.verify(bytes, 0, rawKey, 0, signed, 0, signed.length);
  }

  private static Instant instant(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis);
  }
}
