package io.fabric.cli.reconcile;

import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Decides, from everything the fabric wrote, the single terminal state of every request that
 * entered: executed, blocked, pending approval, dead letter or duplicate. A request with no outcome
 * is lost; one with two terminal outcomes (say, executed twice, or blocked and executed) is
 * duplicated. Pure logic: the command reads the topics and hands the records in.
 */
public final class Reconciliation {
  /** The verdict on one request. */
  public record RequestOutcome(String requestId, String state, List<String> outcomes) {}

  /** Everything a reconcile run found. */
  public record Report(int requests, Map<String, Integer> byState, List<RequestOutcome> lost, List<RequestOutcome> duplicated,
                       List<RequestOutcome> inFlight, int undecodable) {
    public boolean clean() {
      return lost.isEmpty() && duplicated.isEmpty();
    }
  }

  private final Map<String, List<String>> outcomes = new LinkedHashMap<>();
  private final Set<String> routed = new HashSet<>();
  private final Map<String, String> latestStatus = new LinkedHashMap<>();
  private int undecodable;

  public Reconciliation requests(List<TaskRequest> ingress) {
    ingress.forEach(r -> outcomes.putIfAbsent(r.getRequestId(), new ArrayList<>()));
    return this;
  }

  public Reconciliation blocked(List<BlockedTask> blocked) {
    blocked.forEach(b -> add(b.getRequest().getRequestId(), "BLOCKED/" + b.getReason()));
    return this;
  }

  /** Every revision: a step appears in the revision that executed it, and again in later ones. */
  public Reconciliation revisions(List<FlowCheckpoint> revisions) {
    Map<String, Set<String>> revisionsPerStep = new TreeMap<>();
    for (FlowCheckpoint checkpoint : revisions) {
      for (FlowStep step : checkpoint.getSteps()) {
        if (step.getStatus().equals("EXECUTED") || step.getStatus().equals("COMPENSATED")) {
          revisionsPerStep.computeIfAbsent(step.getRequestId(), k -> new HashSet<>()).add(step.getRevisionId());
        }
      }
    }
    revisionsPerStep.forEach((requestId, stepRevisions) -> stepRevisions.forEach(r -> add(requestId, "EXECUTED")));
    return this;
  }

  /** Dead letters; those in {@code replayed} were sent back through the gate, so the replay's outcome counts instead. */
  public Reconciliation deadLetters(List<DeadLetter> letters, Set<String> replayed) {
    for (DeadLetter letter : letters) {
      if (replayed.contains(letter.getId())) {
        continue;
      }
      if (letter.getRequestId() == null) {
        undecodable++;
      } else {
        add(letter.getRequestId(), "DEAD_LETTER/" + letter.getReason());
      }
    }
    return this;
  }

  public Reconciliation statuses(List<RequestStatus> statuses) {
    for (RequestStatus status : statuses) {
      latestStatus.put(status.getRequestId(), status.getOutcome());
      if (status.getOutcome().equals("DUPLICATE")) {
        add(status.getRequestId(), "DUPLICATE");
      }
      if (status.getOutcome().equals("ROUTED")) {
        routed.add(status.getRequestId());
      }
    }
    return this;
  }

  public Report report() {
    Map<String, Integer> byState = new TreeMap<>();
    List<RequestOutcome> lost = new ArrayList<>();
    List<RequestOutcome> duplicated = new ArrayList<>();
    List<RequestOutcome> inFlight = new ArrayList<>();
    outcomes.forEach((id, found) -> {
      List<String> terminal = new ArrayList<>(found);
      if (terminal.isEmpty() && "PENDING_APPROVAL".equals(latestStatus.get(id))) {
        terminal.add("PENDING_APPROVAL");
      }
      RequestOutcome outcome;
      if (terminal.isEmpty()) {
        boolean moving = routed.contains(id) || latestStatus.containsKey(id);
        outcome = new RequestOutcome(id, moving ? "IN_FLIGHT" : "LOST", List.of());
        (moving ? inFlight : lost).add(outcome);
      } else if (terminal.size() > 1) {
        outcome = new RequestOutcome(id, "DUPLICATED", terminal);
        duplicated.add(outcome);
      } else {
        outcome = new RequestOutcome(id, terminal.get(0), terminal);
      }
      byState.merge(outcome.state(), 1, Integer::sum);
    });
    return new Report(outcomes.size(), byState, lost, duplicated, inFlight, undecodable);
  }

  private void add(String requestId, String outcome) {
    List<String> found = outcomes.get(requestId);
    if (found != null) {
      found.add(outcome);
    }
  }
}
