package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.TaskRequest;
import java.nio.ByteBuffer;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The gate's check that a token proves a registered approver, within their scope, decided on exactly
 * this request with exactly this payload, and that the token is still current.
 *
 * <p>Checks, in order, each failing with a short reason for the audit trail: the token is well
 * formed; its approver is registered; the Ed25519 signature over {@link TokenStatement} verifies with
 * that approver's key (so no field was altered); the decision is APPROVE or REJECT; it names this
 * request id, tenant, flow (a token that names no flow is refused) and action; its payload hash is
 * the canonical hash of this request's payload; the approver's scope covers the action and tenant;
 * it does not live longer ({@code expires_at - issued_at}) than the policy's maximum token lifetime;
 * it was not issued in the future (beyond the allowed clock skew) and has not expired.
 *
 * <p>A correctly signed REJECT is <em>valid</em>: the verdict says the token is genuine, and the gate
 * reads {@link ApprovalDecision#of} to block the request as {@code APPROVAL_REJECTED}. Single use is
 * not checked here; see {@link NonceLedger}.
 */
public final class SignedTokenVerifier implements TokenVerifier {
  /** How far the signer's clock may run ahead of the gate's. */
  public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofMinutes(2);
  /**
   * The longest {@code expires_at - issued_at} a token may have unless the policy says otherwise;
   * {@link TokenSigner#DEFAULT_TTL} fits in it.
   */
  public static final Duration DEFAULT_MAX_TOKEN_LIFETIME = Duration.ofHours(1);

  private final Supplier<ApproverRegistry> registry;
  private final long allowedSkewMillis;
  private final Duration maxTokenLifetime;

  /** Trusts {@code registry}, with the default clock skew and maximum token lifetime (PT1H). */
  public SignedTokenVerifier(ApproverRegistry registry) {
    this(registry, DEFAULT_MAX_TOKEN_LIFETIME);
  }

  /** Trusts {@code registry}, with the default clock skew and the policy's maximum token lifetime. */
  public SignedTokenVerifier(ApproverRegistry registry, Duration maxTokenLifetime) {
    this(() -> registry, DEFAULT_CLOCK_SKEW, maxTokenLifetime);
  }

  /** As {@link #SignedTokenVerifier(Supplier, Duration, Duration)} with the default maximum token lifetime (PT1H). */
  public SignedTokenVerifier(Supplier<ApproverRegistry> registry, Duration allowedClockSkew) {
    this(registry, allowedClockSkew, DEFAULT_MAX_TOKEN_LIFETIME);
  }

  /**
   * @param registry read on every verification, so a reloaded registry (file or topic) takes effect
   *     without rebuilding the verifier
   * @param maxTokenLifetime the longest {@code expires_at - issued_at} a token may state, however its
   *     signer chose it: it bounds how long a leaked token stays usable
   * @throws IllegalArgumentException for a negative skew or a lifetime that is not positive
   */
  public SignedTokenVerifier(Supplier<ApproverRegistry> registry, Duration allowedClockSkew, Duration maxTokenLifetime) {
    if (allowedClockSkew.isNegative()) {
      throw new IllegalArgumentException("clock skew must not be negative, got " + allowedClockSkew);
    }
    if (maxTokenLifetime == null || maxTokenLifetime.isNegative() || maxTokenLifetime.isZero()) {
      throw new IllegalArgumentException("maximum token lifetime must be positive, got " + maxTokenLifetime);
    }
    this.registry = registry;
    this.allowedSkewMillis = allowedClockSkew.toMillis();
    this.maxTokenLifetime = maxTokenLifetime;
  }

  public Duration maxTokenLifetime() {
    return maxTokenLifetime;
  }

  @Override
  public Optional<Approver> approver(String name) {
    return registry.get().find(name);
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
    if (statement.flowId().isBlank()) {
      return Optional.of("token names no flow: a token binds to one flow and one request");
    }
    if (!statement.flowId().equals(request.getFlowId())) {
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
    long lifetimeMillis;
    try {
      lifetimeMillis = Math.subtractExact(statement.expiresAtMillis(), statement.issuedAtMillis());
    } catch (ArithmeticException e) {
      // issued far in the past and expiring far in the future: longer than any lifetime a long can hold
      lifetimeMillis = Long.MAX_VALUE;
    }
    if (lifetimeMillis > maxTokenLifetime.toMillis()) {
      return Optional.of("token lives " + human(Duration.ofMillis(lifetimeMillis)) + ", longer than the policy's maximum token lifetime "
          + maxTokenLifetime);
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
    return Ed25519Signatures.valid(key, signed, signature);
  }

  /** {@code 30d}, {@code 1h30m}, {@code 2m0.5s}: a lifetime as a person reads it (each non-zero unit). */
  static String human(Duration duration) {
    StringBuilder text = new StringBuilder();
    if (duration.toDays() > 0) {
      text.append(duration.toDays()).append('d');
    }
    if (duration.toHoursPart() > 0) {
      text.append(duration.toHoursPart()).append('h');
    }
    if (duration.toMinutesPart() > 0) {
      text.append(duration.toMinutesPart()).append('m');
    }
    int millis = duration.toMillisPart();
    if (duration.toSecondsPart() > 0 || millis > 0 || text.length() == 0) {
      text.append(duration.toSecondsPart());
      if (millis > 0) {
        text.append('.').append(String.format(java.util.Locale.ROOT, "%03d", millis).replaceAll("0+$", ""));
      }
      text.append('s');
    }
    return text.toString();
  }

  private static Instant instant(long epochMillis) {
    return Instant.ofEpochMilli(epochMillis);
  }
}
