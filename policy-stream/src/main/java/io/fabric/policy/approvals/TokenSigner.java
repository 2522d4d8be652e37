package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.TaskRequest;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;

/**
 * Makes approval tokens as one approver: the statement ({@link TokenStatement}) for a subject and
 * decision, issued now, expiring after a time-to-live, with a fresh random nonce, signed with the
 * approver's Ed25519 private key. Used by {@code fabric approve} and {@code fabric reject}.
 *
 * <p>The time-to-live bounds how long a leaked but unused token stays dangerous; the nonce lets the
 * gate accept each token once.
 */
public final class TokenSigner {
  public static final Duration DEFAULT_TTL = Duration.ofHours(1);
  private static final int NONCE_BYTES = 16;

  private final String approver;
  private final PrivateKey privateKey;
  private final Clock clock;
  private final Duration ttl;
  private final SecureRandom random;

  /** Signs as {@code approver}, with the system clock and a one-hour time-to-live. */
  public TokenSigner(String approver, PrivateKey privateKey) {
    this(approver, privateKey, Clock.systemUTC(), DEFAULT_TTL);
  }

  /**
   * @throws IllegalArgumentException for an invalid approver name, a key that is not Ed25519, or a
   *     time-to-live that is not positive
   */
  public TokenSigner(String approver, PrivateKey privateKey, Clock clock, Duration ttl) {
    Approver.requireValidName(approver);
    ApproverKeys.requireEd25519(privateKey, "signing key");
    if (ttl == null || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("token time-to-live must be positive, got " + ttl);
    }
    this.approver = approver;
    this.privateKey = privateKey;
    this.clock = clock;
    this.ttl = ttl;
    this.random = new SecureRandom();
  }

  /** The same signer with another time-to-live. */
  public TokenSigner withTtl(Duration newTtl) {
    return new TokenSigner(approver, privateKey, clock, newTtl);
  }

  public String approver() {
    return approver;
  }

  public ApprovalToken approve(TaskRequest request, String reason) {
    return sign(ApprovalSubject.of(request), ApprovalDecision.APPROVE, reason);
  }

  public ApprovalToken reject(TaskRequest request, String reason) {
    return sign(ApprovalSubject.of(request), ApprovalDecision.REJECT, reason);
  }

  /**
   * Signs {@code decision} on {@code subject}.
   *
   * @param reason free text for the audit trail; required for a rejection, so the requester learns why
   * @throws IllegalArgumentException when a rejection has no reason
   */
  public ApprovalToken sign(ApprovalSubject subject, ApprovalDecision decision, String reason) {
    String why = reason == null ? "" : reason.strip();
    if (decision == ApprovalDecision.REJECT && why.isEmpty()) {
      throw new IllegalArgumentException("a rejection needs a reason");
    }
    long issuedAt = clock.millis();
    TokenStatement statement = new TokenStatement(subject.requestId(), subject.tenantId(), subject.flowId(),
        subject.action(), subject.payloadSha256(), approver, decision.name(), why,
        issuedAt, issuedAt + ttl.toMillis(), newNonce());
    return statement.withSignature(signatureOf(statement));
  }

  private byte[] signatureOf(TokenStatement statement) {
    try {
      Signature signature = Signature.getInstance(ApproverKeys.ALGORITHM);
      signature.initSign(privateKey);
      signature.update(statement.toBytes());
      return signature.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with " + ApproverKeys.ALGORITHM + ": " + e.getMessage(), e);
    }
  }

  private String newNonce() {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
  }
}
