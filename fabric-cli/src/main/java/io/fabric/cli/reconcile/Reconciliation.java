package io.fabric.cli.reconcile;

import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.flows.RollbackRequests;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Decides, from everything the fabric wrote, the single terminal state of every record that entered
 * the ingress topic. A request ends EXECUTED (maybe later COMPENSATED by a rollback), BLOCKED,
 * DEAD_LETTER, DUPLICATE, or waits PENDING_APPROVAL for a person (or HELD for its limits); bytes that do not decode have no
 * request id and must end as an UNDECODABLE dead letter that names their topic, partition and
 * offset. Pure logic: the command reads the topics and hands the records in.
 *
 * <ul>
 *   <li><b>Duplicated</b>: a request executed by two checkpoint revisions (its effect happened
 *       twice), a request with two different terminal outcomes (say executed and blocked), or the
 *       same outcome more often than the request was submitted.</li>
 *   <li><b>Lost</b>: no terminal outcome although the fabric is idle, i.e. no consumer group of the
 *       fabric has a committed record left to process ({@link #backlog}). While some group has one,
 *       such a request is <b>in flight</b> instead.</li>
 * </ul>
 *
 * <p>A dead letter that was replayed back into the fabric ({@code fabric dlq replay}) is superseded
 * by the replay's outcome. A dead letter written because a compensation failed belongs to the
 * rollback, not to a request's outcome: the step's request stays EXECUTED, its state says
 * COMPENSATION_FAILED.
 */
public final class Reconciliation {
  /** Request id under which bytes that do not decode are reported: {@code undecodable:<topic>-<partition>@<offset>}. */
  public static final String UNDECODABLE_PREFIX = "undecodable:";

  private static final String UNAUTHENTICATED = "BLOCKED/" + Reason.UNAUTHENTICATED.name();
  private static final AvroSerde<RoutedTask> ROUTED_TASKS = AvroSerde.of(RoutedTask.class);

  /**
   * One record of the ingress topic.
   *
   * @param request the decoded request, or null when the bytes do not decode
   */
  public record Entered(String topic, int partition, long offset, long timestamp, TaskRequest request) {
    public static Entered undecodable(String topic, int partition, long offset, long timestamp) {
      return new Entered(topic, partition, offset, timestamp, null);
    }

    /** The request id, or {@code undecodable:<topic>-<partition>@<offset>} for bytes that do not decode. */
    public String id() {
      return request != null ? request.getRequestId() : position(topic, partition, offset);
    }
  }

  /**
   * Records a consumer group of the fabric has not processed yet: proof the fabric is still busy.
   *
   * @param group the consumer group (a Streams application id or a plugin runtime's group)
   */
  public record Backlog(String group, String topic, int partition, long committedOffset, long endOffset) {}

  /** The verdict on one request (or undecodable record). */
  public record RequestOutcome(String requestId, String state, List<String> outcomes) {}

  /**
   * Everything a reconcile run found.
   *
   * @param requests distinct request ids that entered
   * @param undecodableRecords ingress records that do not decode (each reported under its position)
   * @param undecodable dead letters without a request id (undecodable records of any stage)
   * @param compensationFailures dead letters of rollbacks whose compensation failed for good
   * @param backlog what the fabric still has to process; empty when it is idle
   */
  public record Report(int requests, int undecodableRecords, Map<String, Integer> byState, List<RequestOutcome> lost,
                       List<RequestOutcome> duplicated, List<RequestOutcome> inFlight, int undecodable,
                       int compensationFailures, List<Backlog> backlog) {
    public boolean clean() {
      return lost.isEmpty() && duplicated.isEmpty();
    }

    /** True when nothing is in flight and no group has a backlog: the report is final until more requests arrive. */
    public boolean settled() {
      return inFlight.isEmpty() && backlog.isEmpty();
    }
  }

  private final Map<String, Integer> submissions = new LinkedHashMap<>();
  private final Map<String, List<String>> outcomes = new HashMap<>();
  private final Map<String, Set<String>> executions = new HashMap<>();
  private final Map<String, StepSeen> latestStep = new HashMap<>();
  private final Map<String, String> latestStatus = new HashMap<>();
  private final List<Backlog> backlog = new ArrayList<>();
  private int undecodableRecords;
  private int undecodableLetters;
  private int compensationFailures;

  private record StepSeen(int revision, String status) {}

  public static String position(String topic, int partition, long offset) {
    return UNDECODABLE_PREFIX + topic + "-" + partition + "@" + offset;
  }

  /** The ingress records to account for, in any order; a request id may appear more than once (resent, or replayed from the DLQ). */
  public Reconciliation entered(List<Entered> ingress) {
    for (Entered entered : ingress) {
      submissions.merge(entered.id(), 1, Integer::sum);
      if (entered.request() == null) {
        undecodableRecords++;
      }
    }
    return this;
  }

  public Reconciliation blocked(List<BlockedTask> blocked) {
    blocked.forEach(b -> add(b.getRequest().getRequestId(), "BLOCKED/" + b.getReason()));
    return this;
  }

  /**
   * Every revision of every flow: a step appears in the revision that executed it and again, with
   * the same revision id, in later ones; a step executed twice has two revision ids.
   */
  public Reconciliation revisions(List<FlowCheckpoint> revisions) {
    for (FlowCheckpoint checkpoint : revisions) {
      for (FlowStep step : checkpoint.getSteps()) {
        String requestId = step.getRequestId();
        if (!step.getStatus().equals("FAILED")) {
          executions.computeIfAbsent(requestId, k -> new LinkedHashSet<>()).add(step.getRevisionId());
        }
        StepSeen seen = latestStep.get(requestId);
        if (seen == null || checkpoint.getRevision() >= seen.revision()) {
          latestStep.put(requestId, new StepSeen(checkpoint.getRevision(), step.getStatus()));
        }
      }
    }
    return this;
  }

  /**
   * Dead letters. Those in {@code replayedBack} were replayed into the fabric, so the replay's
   * outcome counts instead; those of a failed compensation are counted apart.
   */
  public Reconciliation deadLetters(List<DeadLetter> letters, Set<String> replayedBack) {
    for (DeadLetter letter : letters) {
      if (replayedBack.contains(letter.getId())) {
        continue;
      }
      if (letter.getRequestId() == null) {
        undecodableLetters++;
        add(position(letter.getOriginalTopic(), letter.getOriginalPartition(), letter.getOriginalOffset()),
            "DEAD_LETTER/" + letter.getReason());
      } else if (isCompensation(letter)) {
        compensationFailures++;
      } else {
        add(letter.getRequestId(), "DEAD_LETTER/" + letter.getReason());
      }
    }
    return this;
  }

  /** Request statuses: DUPLICATE is an outcome of its own; the latest status tells pending and routed requests apart. */
  public Reconciliation statuses(List<RequestStatus> statuses) {
    for (RequestStatus status : statuses) {
      latestStatus.put(status.getRequestId(), status.getOutcome());
      if (status.getOutcome().equals("DUPLICATE")) {
        add(status.getRequestId(), "DUPLICATE");
      }
    }
    return this;
  }

  /** What the fabric's consumer groups have not processed yet; none means the fabric is idle. */
  public Reconciliation backlog(List<Backlog> unprocessed) {
    backlog.addAll(unprocessed);
    return this;
  }

  public Report report() {
    Map<String, Integer> byState = new TreeMap<>();
    List<RequestOutcome> lost = new ArrayList<>();
    List<RequestOutcome> duplicated = new ArrayList<>();
    List<RequestOutcome> inFlight = new ArrayList<>();
    submissions.forEach((id, submitted) -> {
      List<String> found = new ArrayList<>(outcomes.getOrDefault(id, List.of()));
      Set<String> executedBy = executions.getOrDefault(id, Set.of());
      executedBy.forEach(revision -> found.add("EXECUTED"));
      if (found.stream().anyMatch(o -> !o.equals(UNAUTHENTICATED))) {
        // a record that proved no identity and named this id is a different record: its refusal is not this request's outcome
        found.removeIf(UNAUTHENTICATED::equals);
      }
      Set<String> distinct = new LinkedHashSet<>(found);
      long mostRepeated = distinct.stream().mapToLong(o -> found.stream().filter(o::equals).count()).max().orElse(0);
      RequestOutcome outcome;
      if (executedBy.size() > 1 || distinct.size() > 1 || mostRepeated > submitted) {
        outcome = new RequestOutcome(id, "DUPLICATED", found);
        duplicated.add(outcome);
      } else if (distinct.size() == 1) {
        outcome = new RequestOutcome(id, stateOf(id, distinct.iterator().next()), found);
      } else if ("PENDING_APPROVAL".equals(latestStatus.get(id)) || "HELD".equals(latestStatus.get(id))) {
        // waits: for an approver, for its limits (held in policy-stream's store), or for an operator's breaker reset
        outcome = new RequestOutcome(id, latestStatus.get(id), List.of());
      } else if (!backlog.isEmpty()) {
        outcome = new RequestOutcome(id, "IN_FLIGHT", latestStatus.containsKey(id) ? List.of(latestStatus.get(id)) : List.of());
        inFlight.add(outcome);
      } else {
        outcome = new RequestOutcome(id, "LOST", latestStatus.containsKey(id) ? List.of(latestStatus.get(id)) : List.of());
        lost.add(outcome);
      }
      byState.merge(outcome.state(), 1, Integer::sum);
    });
    return new Report(submissions.size() - undecodableRecords, undecodableRecords, byState, lost, duplicated, inFlight,
        undecodableLetters, compensationFailures, List.copyOf(backlog));
  }

  /** EXECUTED, or EXECUTED/COMPENSATED (or /COMPENSATION_FAILED) once a rollback reached the step. */
  private String stateOf(String id, String outcome) {
    if (!outcome.equals("EXECUTED")) {
      return outcome;
    }
    StepSeen step = latestStep.get(id);
    return step == null || step.status().equals("EXECUTED") ? outcome : outcome + "/" + step.status();
  }

  /** A dead letter written by a rollback: its original record is a rollback request, not the step's own task. */
  static boolean isCompensation(DeadLetter letter) {
    ByteBuffer value = letter.getOriginalValue();
    if (value == null || letter.getStage() == null || !TopicCatalog.isPluginStage(letter.getStage())) {
      return false;
    }
    ByteBuffer copy = value.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    try {
      RoutedTask task = ROUTED_TASKS.deserialize(letter.getOriginalTopic(), bytes);
      return task != null && RollbackRequests.isRollback(task.getRequest());
    } catch (SerializationException | IllegalArgumentException e) {
      return false;
    }
  }

  private void add(String id, String outcome) {
    if (submissions.containsKey(id)) {
      outcomes.computeIfAbsent(id, k -> new ArrayList<>()).add(outcome);
    }
  }
}
