package io.fabric.plugins.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric.plugins.runtime.FailureClassifier.Handling;
import java.io.UncheckedIOException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidPidMappingException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Every failure the runtime meets is handled per record, by a rewind, by new clients, or ends the runtime. */
class FailureClassifierTest {
  @Test
  void badDataInOneTaskIsThatTasksProblem() {
    assertEquals(Handling.PER_RECORD, FailureClassifier.ofRecord(new IllegalArgumentException("No enum constant StepStatus.ARCHIVED")));
    assertEquals(Handling.PER_RECORD, FailureClassifier.ofRecord(new UncheckedIOException("unknown field", new java.io.IOException())));
    assertEquals(Handling.PER_RECORD, FailureClassifier.ofRecord(new SerializationException("field too large")));
  }

  @Test
  void aTimedOutCommitWhoseAbortIsRefusedNeedsANewProducer() {
    IllegalStateException refused = new IllegalStateException("Cannot attempt operation `abortTransaction` because the previous "
        + "call to `commitTransaction` timed out and must be retried");
    Handling handling = FailureClassifier.ofClients(new OutboundBatch.ProducerUnusableException("cannot abort", refused));
    assertEquals(Handling.RECREATE, handling);
    assertEquals(Handling.RECREATE, FailureClassifier.ofRecord(new OutboundBatch.ProducerUnusableException("cannot abort", refused)));
  }

  @Test
  void errorsThatOnlyNeedANewClientRecreateIt() {
    assertEquals(Handling.RECREATE, FailureClassifier.ofClients(new InvalidProducerEpochException("epoch bumped")));
    assertEquals(Handling.RECREATE, FailureClassifier.ofRecord(new KafkaException(new InvalidPidMappingException("expired"))));
  }

  @Test
  void transientKafkaErrorsRewind() {
    assertEquals(Handling.REWIND, FailureClassifier.ofClients(new TimeoutException("commit timed out")));
    assertEquals(Handling.REWIND, FailureClassifier.ofRecord(new TimeoutException("commit timed out")));
  }

  @Test
  void aNewerInstanceOrARefusingClusterEndsTheRuntime() {
    assertEquals(Handling.FATAL, FailureClassifier.ofClients(new ProducerFencedException("fenced")));
    assertEquals(Handling.FATAL, FailureClassifier.ofRecord(new KafkaException(new TopicAuthorizationException("denied"))));
    assertEquals(Handling.FATAL, FailureClassifier.ofRecord(new CrashPoint.SimulatedCrash("test")));
    assertEquals(Handling.FATAL, FailureClassifier.ofClients(new OutOfMemoryError()));
  }
}
