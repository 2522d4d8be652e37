package io.fabric.plugins.runtime;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ApplicationRecoverableException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * The one place that decides what a failure in the plugin runtime costs. Kafka-free apart from the
 * exception types, so the whole table is a unit test.
 *
 * <ul>
 *   <li>{@link Handling#PER_RECORD}: bad data in one task (a parse error, an unknown enum value, a
 *       contract that does not serialize) thrown while that task was processed: the task is
 *       dead-lettered {@code PROCESSING_ERROR} with its bytes and the runtime goes on.</li>
 *   <li>{@link Handling#REWIND}: a Kafka error the clients recover from (a timeout, a lost leader):
 *       abort, go back to the committed offsets, retry after the error backoff.</li>
 *   <li>{@link Handling#RECREATE}: the clients' state is unusable (a commit timed out so the
 *       producer refuses to abort, a producer epoch or id mapping the broker forgot): close them,
 *       create new ones and rewind to the committed offsets.</li>
 *   <li>{@link Handling#FATAL}: going on cannot help (this producer was fenced by a newer instance
 *       with the same transactional id, the cluster refuses us, an {@link Error}): the runtime
 *       stops and reports it, so the process exits non-zero for its supervisor to restart.</li>
 * </ul>
 */
final class FailureClassifier {
  enum Handling { PER_RECORD, REWIND, RECREATE, FATAL }

  private FailureClassifier() {}

  /** A failure thrown while one task record was being processed. */
  static Handling ofRecord(Throwable error) {
    if (error instanceof SerializationException) {
      return Handling.PER_RECORD;
    }
    Handling handling = ofClients(error);
    return handling == Handling.REWIND && !(error instanceof KafkaException) ? Handling.PER_RECORD : handling;
  }

  /** A failure thrown by the clients or the loop around the records. */
  static Handling ofClients(Throwable error) {
    if (!(error instanceof Exception) || error instanceof CrashPoint.SimulatedCrash) {
      return Handling.FATAL;
    }
    if (has(error, ProducerFencedException.class) || has(error, AuthorizationException.class)
        || has(error, UnsupportedVersionException.class)) {
      return Handling.FATAL;
    }
    if (has(error, ApplicationRecoverableException.class) || has(error, OutboundBatch.ProducerUnusableException.class)) {
      return Handling.RECREATE;
    }
    return Handling.REWIND;
  }

  private static boolean has(Throwable error, Class<? extends Throwable> type) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }
}
