package io.fabric.policy.topology;

import io.fabric.contracts.TaskRequest;

/**
 * What the admission step makes of one record from ingress or the replay topic; lives only between
 * {@link AdmitProcessor} and the branches that follow it (never serialized).
 */
sealed interface Admission {
  TaskRequest request();

  /** Refused by validation; its verdict travels in a {@link EarlyVerdict} header to where its id is checked. */
  record Invalid(TaskRequest request) implements Admission {}

  /** A valid request on the partition its key {@code tenant|idempotency key} belongs to. */
  record InPlace(TaskRequest request) implements Admission {}

  /** A valid request keyed otherwise or written to another partition: it goes through the repartition topic first. */
  record Misplaced(TaskRequest request) implements Admission {}
}
