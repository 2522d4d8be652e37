package io.fabric.policy;

import io.fabric.policy.approvals.Approver;
import io.fabric.policy.approvals.ApproverRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Refuses, at start, a policy whose configured quorum for an action no tenant's registered
 * approvers could ever meet: such a request would wait for approvals that cannot come until its
 * deadline blocks it, which is a misconfiguration to report, not a runtime outcome.
 *
 * <p>Only quorums the policy sets ({@code approvals.actions.NAME.quorum}) are checked, and only
 * against a registry the fabric was given. Approvals must come from distinct approvers for the same
 * request, so the quorum is compared with the largest number of approvers whose scope covers the
 * action for any one tenant.
 */
public final class QuorumFeasibility {
  private QuorumFeasibility() {}

  /**
   * @throws PolicyException for the first action (by name) whose quorum cannot be met, naming the
   *     action, the quorum and who may approve it
   */
  public static void check(Policy policy, ApproverRegistry registry) {
    for (Map.Entry<String, Integer> entry : new TreeMap<>(policy.approvals().quorums()).entrySet()) {
      String action = entry.getKey();
      int quorum = entry.getValue();
      List<Approver> eligible = registry.approvers().stream().filter(a -> a.mayApproveAction(action)).toList();
      int most = mostForOneTenant(eligible);
      if (quorum > most) {
        throw new PolicyException("approvals.actions." + action + ".quorum is " + quorum + ", but at most " + most + " registered approver"
            + (most == 1 ? "" : "s") + " can approve " + action + " for any one tenant (" + who(eligible)
            + "): no request for it could ever be released");
      }
    }
  }

  /** The most approvers that cover one tenant: each tenant someone names, and any other tenant. */
  private static int mostForOneTenant(List<Approver> eligible) {
    Set<String> named = new TreeSet<>();
    eligible.forEach(a -> a.tenants().stream().filter(t -> !Approver.ANY.equals(t)).forEach(named::add));
    int most = (int) eligible.stream().filter(a -> a.tenants().contains(Approver.ANY)).count();
    for (String tenant : named) {
      most = Math.max(most, (int) eligible.stream().filter(a -> a.mayApproveTenant(tenant)).count());
    }
    return most;
  }

  private static String who(List<Approver> eligible) {
    if (eligible.isEmpty()) {
      return "nobody";
    }
    return String.join(", ", eligible.stream().map(a -> a.tenants().contains(Approver.ANY) ? a.name()
        : a.name() + " " + new TreeSet<>(a.tenants())).toList());
  }
}
