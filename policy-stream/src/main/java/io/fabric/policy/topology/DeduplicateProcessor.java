package io.fabric.policy.topology;

import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.records.Outcome;
import io.fabric.schemas.records.Statuses;
import java.time.Duration;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keyed by (tenant, idempotency key): the first request with a key passes; another request with
 * the same key inside the window gets status DUPLICATE pointing at the first and goes no further.
 * The same request id seen again passes only as a DLQ replay; a plain resend of it is dropped.
 */
final class DeduplicateProcessor implements Processor<String, TaskRequest, String, SpecificRecord> {
  private static final Duration PURGE_INTERVAL = Duration.ofMinutes(5);
  /** Set by the DLQ replayer on a request it sends back through the gate. */
  static final String REPLAY_OF_ATTRIBUTE = "fabric.replay.of";

  private final long windowMs;
  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, String> firstSeen;

  DeduplicateProcessor(Duration window) {
    this.windowMs = window.toMillis();
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    this.firstSeen = context.getStateStore(PolicyTopology.IDEMPOTENCY_STORE);
    context.schedule(PURGE_INTERVAL, PunctuationType.STREAM_TIME, this::purgeBefore);
  }

  @Override
  public void process(Record<String, TaskRequest> record) {
    TaskRequest request = record.value();
    String entry = firstSeen.get(record.key());
    if (entry != null) {
      int bar = entry.indexOf('|');
      String firstId = entry.substring(0, bar);
      long firstAt = Long.parseLong(entry.substring(bar + 1));
      boolean inWindow = record.timestamp() - firstAt < windowMs;
      if (inWindow && !firstId.equals(request.getRequestId())) {
        RequestStatus duplicate = Statuses.of(request, null, Outcome.DUPLICATE, null,
            "same tenant and idempotency key as request " + firstId, context.currentSystemTimeMs());
        duplicate.setDuplicateOf(firstId);
        context.forward(new Record<>(request.getRequestId(), duplicate, record.timestamp(), record.headers()));
        return;
      }
      if (inWindow) {
        // The same request again: a DLQ replay (marked by the replayer) goes on to be checked again; anything else is a
        // resend of a request the gate already handled, and handling it twice would overwrite its status.
        if (request.getAttributes().containsKey(REPLAY_OF_ATTRIBUTE)) {
          context.forward(new Record<String, SpecificRecord>(record.key(), request, record.timestamp(), record.headers()));
        }
        return;
      }
    }
    firstSeen.put(record.key(), request.getRequestId() + "|" + record.timestamp());
    context.forward(new Record<String, SpecificRecord>(record.key(), request, record.timestamp(), record.headers()));
  }

  private void purgeBefore(long streamTime) {
    try (KeyValueIterator<String, String> all = firstSeen.all()) {
      while (all.hasNext()) {
        KeyValue<String, String> entry = all.next();
        long at = Long.parseLong(entry.value.substring(entry.value.indexOf('|') + 1));
        if (streamTime - at >= windowMs) {
          firstSeen.delete(entry.key);
        }
      }
    }
  }
}
