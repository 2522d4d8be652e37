package io.fabric.schemas.streams;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.streams.KafkaStreams.State;
import org.junit.jupiter.api.Test;

class StreamsAppReadinessTest {
  @Test
  void readyOnlyWhenRunningWithNothingRestoring() {
    assertTrue(StreamsApp.ready(State.RUNNING, 0));
    assertFalse(StreamsApp.ready(State.RUNNING, 1), "a store still restoring from its changelog");
    assertFalse(StreamsApp.ready(State.REBALANCING, 0), "healthy, but its assignment is not done");
    assertFalse(StreamsApp.ready(State.CREATED, 0));
    assertFalse(StreamsApp.ready(State.PENDING_ERROR, 0));
    assertFalse(StreamsApp.ready(State.ERROR, 0));
  }
}
