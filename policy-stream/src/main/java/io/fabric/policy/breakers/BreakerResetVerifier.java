package io.fabric.policy.breakers;

import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverKeys;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who may lift a breaker: a registered approver whose scope has the reserved action
 * {@value #RESET_ACTION} (or {@code *}) and the trip's tenant, proved by an Ed25519 signature over
 * the reset's statement, as an approval is. The consumer of {@code fabric.breakers} asks this for
 * every reset, so a record written by anyone else lifts nothing.
 */
public final class BreakerResetVerifier {
  /** The action an approver's scope must name (or {@code *}) to reset breakers. */
  public static final String RESET_ACTION = "fabric.breakers.reset";

  private final Function<String, Optional<Approver>> approvers;

  /** @param approvers the registered approver of a name, read on every check so a reloaded registry applies */
  public BreakerResetVerifier(Function<String, Optional<Approver>> approvers) {
    this.approvers = approvers;
  }

  /** A verifier that trusts nobody: without an approver registry no reset can be proved. */
  public static BreakerResetVerifier nobody() {
    return new BreakerResetVerifier(name -> Optional.empty());
  }

  /** Why {@code reset} may not lift {@code trip} (the trip in force for its scope, or null), or empty when it may. */
  public Optional<String> problem(BreakerReset reset, BreakerTrip trip) {
    if (trip == null) {
      return Optional.of("no breaker is tripped for " + reset.scope());
    }
    if (!trip.scope().equals(reset.scope()) || !trip.tripId().equals(reset.tripId())) {
      return Optional.of("the reset names trip " + reset.tripId() + " of " + reset.scope() + ", but the trip in force is " + trip.tripId());
    }
    Optional<Approver> approver = approvers.apply(reset.approver());
    if (approver.isEmpty()) {
      return Optional.of("approver '" + reset.approver() + "' is not registered");
    }
    if (!approver.get().mayApproveAction(RESET_ACTION) || !approver.get().mayApproveTenant(trip.tenant())) {
      return Optional.of("approver '" + reset.approver() + "' may not reset breakers for tenant " + trip.tenant()
          + " (needs action " + RESET_ACTION + " or * and the tenant in scope)");
    }
    try {
      Signature verify = Signature.getInstance(ApproverKeys.ALGORITHM);
      verify.initVerify(approver.get().publicKey());
      verify.update(reset.statement());
      if (!verify.verify(Base64.getDecoder().decode(reset.signature()))) {
        return Optional.of("signature does not verify with the key of approver '" + reset.approver() + "'");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return Optional.of("signature does not verify: " + e.getMessage());
    }
    return Optional.empty();
  }

  /** Signs a reset of {@code trip} as {@code approver} (what {@code fabric breakers reset --key} does). */
  public static BreakerReset sign(String approver, PrivateKey key, BreakerTrip trip, String reason, long issuedAt) {
    BreakerReset unsigned = new BreakerReset(trip.scope(), trip.tripId(), approver, reason == null ? "" : reason, issuedAt, "");
    try {
      Signature signature = Signature.getInstance(ApproverKeys.ALGORITHM);
      signature.initSign(key);
      signature.update(unsigned.statement());
      return unsigned.withSignature(Base64.getEncoder().encodeToString(signature.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign with " + ApproverKeys.ALGORITHM + ": " + e.getMessage(), e);
    }
  }
}
