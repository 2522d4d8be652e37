package io.fabric.policy.approvals;

import io.fabric.contracts.ApprovalToken;
import io.fabric.policy.approvals.TokenVerifier.TokenVerdict;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Makes a token work once: the gate claims a token's nonce before acting on it, and a second claim
 * of the same nonce is refused as a replay. The ledger holds no state; it reads and writes the
 * gate's used-nonce store through two functions, so the rule is unit-testable and the store can be
 * a Kafka Streams key-value store:
 *
 * <pre>
 *   NonceLedger ledger = new NonceLedger(key -> usedNonces.get(key) != null, usedNonces::put);
 * </pre>
 *
 * <p>Claim only tokens that {@link SignedTokenVerifier} found valid: otherwise anyone could burn a
 * genuine token's nonce with a forged one. Keys are {@code approver/nonce}, so one approver cannot
 * burn another's nonces either. The value recorded is the token's expiry: past it the verifier
 * refuses the token anyway, so the store may drop the key then (with the same clock the gate passes
 * to {@code verify}).
 */
public final class NonceLedger {
  /** Records that a nonce key is used, until the given epoch millis. */
  @FunctionalInterface
  public interface UseRecorder {
    void record(String nonceKey, Long retainUntilMillis);
  }

  private final Predicate<String> alreadyUsed;
  private final UseRecorder recordUse;

  public NonceLedger(Predicate<String> alreadyUsed, UseRecorder recordUse) {
    this.alreadyUsed = Objects.requireNonNull(alreadyUsed);
    this.recordUse = Objects.requireNonNull(recordUse);
  }

  /** A ledger over an in-memory set of used keys. */
  public static NonceLedger over(Set<String> usedKeys) {
    return new NonceLedger(usedKeys::contains, (key, until) -> usedKeys.add(key));
  }

  /** The store key of a token's nonce. */
  public static String keyOf(ApprovalToken token) {
    return token.getApprover() + "/" + token.getNonce();
  }

  /** Whether the token's nonce was already claimed, without claiming it. */
  public boolean isUsed(ApprovalToken token) {
    return alreadyUsed.test(keyOf(token));
  }

  /**
   * Claims the token's nonce: ok the first time (and records it), invalid on every later claim.
   * Not atomic across threads; a Streams task processes one record at a time, which suffices.
   */
  public TokenVerdict claim(ApprovalToken token) {
    String key = keyOf(token);
    if (alreadyUsed.test(key)) {
      return TokenVerdict.invalid("replayed token: nonce " + token.getNonce() + " of approver "
          + token.getApprover() + " was already used, and a token works once");
    }
    recordUse.record(key, token.getExpiresAt());
    return TokenVerdict.ok();
  }
}
