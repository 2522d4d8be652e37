package io.fabric.dlq;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ExecutionAttempt;
import io.fabric.contracts.KafkaHeader;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One record of the DLQ topic as read: where it sits on the DLQ, and either the decoded
 * {@link DeadLetter} or, when the DLQ record itself cannot be decoded, its raw bytes and why. An
 * unreadable record is still listed (so nothing on the DLQ is invisible) but can never be replayed,
 * because its original topic and bytes are unknown.
 */
public record DeadLetterEntry(int partition, long offset, long timestamp, byte[] rawKey, byte[] rawValue,
                              DeadLetter deadLetter, String decodeError) {

  /** The reason reported for a DLQ record that is not a decodable {@link DeadLetter}. */
  public static final String UNREADABLE = "UNREADABLE";

  public static DeadLetterEntry decoded(int partition, long offset, long timestamp, byte[] rawKey, byte[] rawValue,
                                        DeadLetter deadLetter) {
    return new DeadLetterEntry(partition, offset, timestamp, rawKey, rawValue, deadLetter, null);
  }

  public static DeadLetterEntry unreadable(int partition, long offset, long timestamp, byte[] rawKey, byte[] rawValue,
                                           String decodeError) {
    return new DeadLetterEntry(partition, offset, timestamp, rawKey, rawValue, null, decodeError);
  }

  public boolean readable() {
    return deadLetter != null;
  }

  /** The dead letter's id; for an unreadable DLQ record, {@code unreadable-<partition>-<offset>}. */
  public String id() {
    return readable() ? deadLetter.getId() : "unreadable-" + partition + "-" + offset;
  }

  /** When the record was dead-lettered; the Kafka timestamp for an unreadable one. */
  public Instant at() {
    return Instant.ofEpochMilli(readable() ? deadLetter.getAt() : timestamp);
  }

  public String stage() {
    return readable() ? deadLetter.getStage() : null;
  }

  public String reason() {
    return readable() ? deadLetter.getReason() : UNREADABLE;
  }

  public String tenant() {
    return readable() ? deadLetter.getTenantId() : null;
  }

  public String flow() {
    return readable() ? deadLetter.getFlowId() : null;
  }

  public String action() {
    return readable() ? deadLetter.getAction() : null;
  }

  public String requestId() {
    return readable() ? deadLetter.getRequestId() : null;
  }

  public String errorClass() {
    return readable() ? deadLetter.getErrorClass() : null;
  }

  public String errorMessage() {
    return readable() ? deadLetter.getErrorMessage() : decodeError;
  }

  public List<ExecutionAttempt> attempts() {
    return readable() ? deadLetter.getAttempts() : List.of();
  }

  /** Every error text the record carries, for the {@code --error} regex: class, message, each attempt's error. */
  public List<String> errorTexts() {
    List<String> texts = new ArrayList<>();
    addIfPresent(texts, errorClass());
    addIfPresent(texts, errorMessage());
    for (ExecutionAttempt attempt : attempts()) {
      addIfPresent(texts, attempt.getErrorClass());
      addIfPresent(texts, attempt.getError());
    }
    return texts;
  }

  /** One short line about the error, for tables: the message's first line, else the class, else the last attempt's error. */
  public String errorSummary(int maxChars) {
    String text = errorMessage();
    if (text == null || text.isBlank()) {
      text = errorClass();
    }
    if ((text == null || text.isBlank()) && !attempts().isEmpty()) {
      ExecutionAttempt last = attempts().get(attempts().size() - 1);
      text = last.getError() != null ? last.getError() : last.getErrorClass();
    }
    if (text == null || text.isBlank()) {
      return "";
    }
    String firstLine = text.strip().lines().findFirst().orElse("");
    return firstLine.length() <= maxChars ? firstLine : firstLine.substring(0, Math.max(0, maxChars - 3)) + "...";
  }

  /** The value of the last original header {@code name}, if the record has it. */
  public Optional<byte[]> originalHeader(String name) {
    if (!readable()) {
      return Optional.empty();
    }
    byte[] found = null;
    boolean present = false;
    for (KafkaHeader header : deadLetter.getOriginalHeaders()) {
      if (header.getKey().equals(name)) {
        present = true;
        found = bytes(header.getValue());
      }
    }
    return present ? Optional.ofNullable(found) : Optional.empty();
  }

  /** The bytes of an Avro {@code bytes} field without disturbing the buffer's position; null stays null. */
  public static byte[] bytes(ByteBuffer buffer) {
    if (buffer == null) {
      return null;
    }
    ByteBuffer copy = buffer.duplicate();
    byte[] bytes = new byte[copy.remaining()];
    copy.get(bytes);
    return bytes;
  }

  private static void addIfPresent(List<String> texts, String text) {
    if (text != null) {
      texts.add(text);
    }
  }
}
