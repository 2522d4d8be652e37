package io.fabric.dlq;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.gateway.RequestSigner;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.IngressKey;
import io.fabric.schemas.topics.ReservedNames;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Where a dead letter goes back to, and with which bytes. A dead letter whose original record is a
 * request (a task that failed after the policy gate, on {@code tasks.routed} or a plugin's task
 * topic, or a request read from the gate's inputs) goes back as that request to
 * {@code tasks.replays}, the gate input on which the gate accepts replay lineage, so policy and
 * approvals are checked again. The republished request carries its {@link ReplayLineage} (which
 * lets the gate take the same request id again and the plugin runtime rerun a step that failed),
 * drops its attached approval token (a token works once) and any attribute reserved for the fabric.
 * Bytes that do not decode as a request go back byte for byte to where they were read. With a
 * submitter registry the gate accepts a replay only when the replayer signed it ({@link RequestSigner},
 * the replayer's own identity); the lineage keeps the submitter who first asked for the request.
 */
public final class ReplayTarget {
  private static final AvroSerde<RoutedTask> ROUTED = AvroSerde.of(RoutedTask.class);
  private static final AvroSerde<TaskRequest> REQUESTS = AvroSerde.of(TaskRequest.class);

  /** The record a replay publishes. */
  public record Resend(String topic, byte[] key, byte[] value) {}

  private ReplayTarget() {}

  /**
   * The record to publish for {@code deadLetter}. With {@code toTopic} (other than the replays
   * topic) the original key and value go there unchanged, to be looked at; otherwise a request goes
   * to the replays topic with {@code lineage}.
   */
  public static Resend of(TopicCatalog catalog, DeadLetter deadLetter, String toTopic, ReplayLineage lineage) {
    return of(catalog, deadLetter, toTopic, lineage, null);
  }

  /**
   * As {@link #of(TopicCatalog, DeadLetter, String, ReplayLineage)}, a request signed by {@code signer}
   * (the replayer's submitter identity; null leaves it unsigned, for a fabric without a submitter registry).
   */
  public static Resend of(TopicCatalog catalog, DeadLetter deadLetter, String toTopic, ReplayLineage lineage, RequestSigner signer) {
    byte[] key = DeadLetterEntry.bytes(deadLetter.getOriginalKey());
    byte[] value = DeadLetterEntry.bytes(deadLetter.getOriginalValue());
    String replays = catalog.replays.name();
    if (toTopic != null && !toTopic.equals(replays)) {
      return new Resend(toTopic, key, value);
    }
    Optional<TaskRequest> original = originalRequest(catalog, deadLetter);
    if (original.isEmpty()) {
      return new Resend(toTopic != null ? toTopic : deadLetter.getOriginalTopic(), key, value);
    }
    TaskRequest request = replayOf(original.get(), lineage);
    if (signer != null) {
      request = signer.sign(request);
    }
    return new Resend(replays, IngressKey.of(request).getBytes(StandardCharsets.UTF_8), REQUESTS.serialize(replays, request));
  }

  /** Where a dead letter goes back to without {@code --to-topic}: the replays topic for a request, else its original topic. */
  public static String defaultTopic(TopicCatalog catalog, DeadLetter deadLetter) {
    return originalRequest(catalog, deadLetter).isPresent() ? catalog.replays.name() : deadLetter.getOriginalTopic();
  }

  /**
   * The request the dead letter's original record is or carries: a {@code TaskRequest} read from a
   * gate input (ingress, replays) or the request of a {@code RoutedTask} read downstream of the gate.
   * Empty for other topics and for bytes that do not decode.
   */
  public static Optional<TaskRequest> originalRequest(TopicCatalog catalog, DeadLetter deadLetter) {
    String topic = deadLetter.getOriginalTopic();
    byte[] value = DeadLetterEntry.bytes(deadLetter.getOriginalValue());
    boolean routed = catalog.carriesRoutedTasks(topic);
    boolean request = catalog.ingress.name().equals(topic) || catalog.replays.name().equals(topic);
    if (value == null || !(routed || request)) {
      return Optional.empty();
    }
    try {
      return Optional.of(routed
          ? TaskRequest.newBuilder(ROUTED.deserialize(topic, value).getRequest()).build()
          : REQUESTS.deserialize(topic, value));
    } catch (SerializationException e) {
      return Optional.empty();
    }
  }

  /** How many times the request was replayed before, as its lineage says; 0 for a first delivery. */
  public static int previousGeneration(TaskRequest request) {
    return request.getReplay() == null ? 0 : Math.max(0, request.getReplay().getGeneration());
  }

  /**
   * The request as republished: the same, with {@code lineage} naming the submitter who first asked
   * for it, without approval token or reserved attributes.
   */
  static TaskRequest replayOf(TaskRequest original, ReplayLineage lineage) {
    TaskRequest request = TaskRequest.newBuilder(original).build();
    ReplayLineage earlier = original.getReplay();
    lineage = ReplayLineage.newBuilder(lineage).setOriginalSubmitter(earlier != null && earlier.getOriginalSubmitter() != null
        ? earlier.getOriginalSubmitter() : original.getSubmitter()).build();
    Map<String, String> attributes = new HashMap<>(request.getAttributes());
    attributes.keySet().removeIf(name -> name.startsWith(ReservedNames.ATTRIBUTE_PREFIX));
    request.setAttributes(attributes);
    request.setApprovalToken(null);
    request.setReplay(lineage);
    return request;
  }

}
