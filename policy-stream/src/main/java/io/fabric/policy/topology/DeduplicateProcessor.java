package io.fabric.policy.topology;

import io.fabric.contracts.TaskRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by (tenant, idempotency key), on the partition that key belongs to: the first request with a
 * key passes; another request (another id) with the same key inside the window is marked a duplicate
 * of the first, and the request-id step writes its DUPLICATE status. The same request id again
 * passes on unmarked: the request-id step tells a resend from a replay or a reuse.
 *
 * <p>The window is measured on the gate's clock, both when comparing and when purging: a producer's
 * record timestamp is whatever the producer says, so it cannot move a request out of the window.
 * The store value is {@code <first request id>|<first seen, epoch millis>}.
 */
final class DeduplicateProcessor implements Processor<String, TaskRequest, String, TaskRequest> {
  private static final Duration PURGE_INTERVAL = Duration.ofMinutes(5);

  private final long windowMs;
  private ProcessorContext<String, TaskRequest> context;
  private KeyValueStore<String, String> firstSeen;

  DeduplicateProcessor(Duration window) {
    this.windowMs = window.toMillis();
  }

  @Override
  public void init(ProcessorContext<String, TaskRequest> context) {
    this.context = context;
    this.firstSeen = context.getStateStore(PolicyTopology.IDEMPOTENCY_STORE);
    context.schedule(PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::purgeBefore);
  }

  @Override
  public void process(Record<String, TaskRequest> record) {
    long now = context.currentSystemTimeMs();
    TaskRequest request = record.value();
    FirstSeen first = FirstSeen.decode(firstSeen.get(record.key()));
    if (first != null && now - first.at() < windowMs) {
      if (!first.requestId().equals(request.getRequestId())) {
        EarlyVerdict.duplicateOf(first.requestId()).writeTo(record.headers());
      }
      context.forward(record);
      return;
    }
    firstSeen.put(record.key(), new FirstSeen(request.getRequestId(), now).encode());
    context.forward(record);
  }

  private void purgeBefore(long now) {
    List<String> expired = new ArrayList<>();
    try (KeyValueIterator<String, String> all = firstSeen.all()) {
      while (all.hasNext()) {
        KeyValue<String, String> entry = all.next();
        FirstSeen first = FirstSeen.decode(entry.value);
        if (first == null || now - first.at() >= windowMs) {
          expired.add(entry.key);
        }
      }
    }
    expired.forEach(firstSeen::delete);
  }

  /** The store value; the time is after the last {@code |}, so an id written before ids were restricted still reads. */
  record FirstSeen(String requestId, long at) {
    String encode() {
      return requestId + "|" + at;
    }

    static FirstSeen decode(String stored) {
      if (stored == null) {
        return null;
      }
      int bar = stored.lastIndexOf('|');
      try {
        return bar < 0 ? null : new FirstSeen(stored.substring(0, bar), Long.parseLong(stored.substring(bar + 1)));
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }
}
