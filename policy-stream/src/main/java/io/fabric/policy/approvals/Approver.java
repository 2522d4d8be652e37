package io.fabric.policy.approvals;

import java.security.PublicKey;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A person (or system) allowed to approve, with the key that proves it is them and the scope of
 * what they may approve. {@value #ANY} in {@code actions} or {@code tenants} means any.
 *
 * <p>Names are restricted to a file-name-safe alphabet because a name is also the base name of the
 * approver's key files and part of the gate's used-nonce keys.
 */
public record Approver(String name, PublicKey publicKey, Set<String> actions, Set<String> tenants) {
  /** The scope entry that matches every action or tenant. */
  public static final String ANY = "*";

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");

  /**
   * @throws IllegalArgumentException for a bad name, a key that is not Ed25519, or an empty scope
   */
  public Approver {
    requireValidName(name);
    ApproverKeys.requireEd25519(publicKey, "public key of approver " + name);
    if (actions == null || actions.isEmpty()) {
      throw new IllegalArgumentException("approver " + name + " has no actions in scope (use \"*\" for any)");
    }
    if (tenants == null || tenants.isEmpty()) {
      throw new IllegalArgumentException("approver " + name + " has no tenants in scope (use \"*\" for any)");
    }
    actions = Set.copyOf(actions);
    tenants = Set.copyOf(tenants);
  }

  public boolean mayApproveAction(String action) {
    return actions.contains(ANY) || actions.contains(action);
  }

  public boolean mayApproveTenant(String tenantId) {
    return tenants.contains(ANY) || tenants.contains(tenantId);
  }

  public static boolean isValidName(String name) {
    return name != null && NAME.matcher(name).matches();
  }

  static void requireValidName(String name) {
    if (!isValidName(name)) {
      throw new IllegalArgumentException("invalid approver name '" + name
          + "': use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
    }
  }
}
