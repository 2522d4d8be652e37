package io.fabric.schemas.records;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.KafkaHeader;
import io.fabric.contracts.TaskRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Builds dead letters with the context a person needs to decide and replay: the original bytes
 * and headers, where it came from, and bounded error text (never an unbounded stack trace).
 */
public final class DeadLetters {
  public static final int MAX_ERROR_CHARS = 2_000;

  private DeadLetters() {}

  /** Where the failed record was read: topic, partition, offset, raw key/value and headers. */
  public record Origin(String topic, int partition, long offset, byte[] key, byte[] value, Headers headers) {}

  public static DeadLetter.Builder builder(String stage, Reason reason, Origin origin, Throwable error, long at) {
    DeadLetter.Builder builder = DeadLetter.newBuilder()
        .setId(UUID.randomUUID().toString())
        .setAt(at)
        .setStage(stage)
        .setReason(reason.name())
        .setErrorClass(error == null ? null : error.getClass().getName())
        .setErrorMessage(error == null ? null : bounded(describe(error)))
        .setOriginalTopic(origin.topic())
        .setOriginalPartition(origin.partition())
        .setOriginalOffset(origin.offset())
        .setOriginalKey(origin.key() == null ? null : ByteBuffer.wrap(origin.key()))
        .setOriginalValue(origin.value() == null ? null : ByteBuffer.wrap(origin.value()))
        .setOriginalHeaders(headers(origin.headers()));
    return builder;
  }

  /** Fills the request's identity so the DLQ can be filtered by tenant, flow and action. */
  public static DeadLetter.Builder about(DeadLetter.Builder builder, TaskRequest request, String actionClass) {
    return builder.setTenantId(request.getTenantId()).setFlowId(request.getFlowId())
        .setRequestId(request.getRequestId()).setAction(request.getAction()).setActionClass(actionClass)
        .setSubmitter(request.getSubmitter());
  }

  public static ExecutionAttempt attempt(int number, String at, Throwable error) {
    return ExecutionAttempt.newBuilder().setAttempt(number).setAt(at)
        .setErrorClass(error == null ? null : error.getClass().getName())
        .setError(error == null ? null : bounded(describe(error)))
        .build();
  }

  /** The message chain of an error, causes included, without stack frames. */
  public static String describe(Throwable error) {
    StringBuilder text = new StringBuilder();
    for (Throwable t = error; t != null && text.length() < MAX_ERROR_CHARS; t = t.getCause() == t ? null : t.getCause()) {
      if (!text.isEmpty()) {
        text.append(" <- ");
      }
      text.append(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        text.append(": ").append(t.getMessage());
      }
    }
    return text.toString();
  }

  public static String bounded(String text) {
    return text == null || text.length() <= MAX_ERROR_CHARS ? text : text.substring(0, MAX_ERROR_CHARS) + "...";
  }

  private static List<KafkaHeader> headers(Headers headers) {
    List<KafkaHeader> list = new ArrayList<>();
    if (headers != null) {
      for (Header h : headers) {
        list.add(KafkaHeader.newBuilder().setKey(h.key()).setValue(h.value() == null ? null : ByteBuffer.wrap(h.value())).build());
      }
    }
    return list;
  }
}
