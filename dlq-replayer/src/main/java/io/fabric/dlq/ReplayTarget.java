package io.fabric.dlq;

import io.fabric.schemas.records.IngressKey;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Where a dead letter goes back to, and with which bytes. A task that failed after the policy gate
 * (on {@code tasks.routed} or a plugin's task topic) goes back as its request to the ingress topic,
 * so policy and approvals are checked again: its attached approval token is dropped (a token works
 * once) and the request carries {@value #REPLAY_OF_ATTRIBUTE}, which lets the gate take the same
 * request id again and the plugin runtime run a step that failed before. A request read from the
 * ingress topic goes back the same way; bytes that do not decode go back byte for byte.
 */
public final class ReplayTarget {
  /** Request attribute naming the dead letter a replayed request came from. */
  public static final String REPLAY_OF_ATTRIBUTE = "fabric.replay.of";

  private static final AvroSerde<RoutedTask> ROUTED = AvroSerde.of(RoutedTask.class);
  private static final AvroSerde<TaskRequest> REQUESTS = AvroSerde.of(TaskRequest.class);

  /** The record a replay publishes. */
  public record Resend(String topic, byte[] key, byte[] value) {}

  private ReplayTarget() {}

  public static Resend of(TopicCatalog catalog, DeadLetter deadLetter, String toTopic) {
    byte[] key = DeadLetterEntry.bytes(deadLetter.getOriginalKey());
    byte[] value = DeadLetterEntry.bytes(deadLetter.getOriginalValue());
    if (toTopic != null) {
      return new Resend(toTopic, key, value);
    }
    boolean routed = carriesRoutedTasks(catalog, deadLetter.getOriginalTopic());
    if (value != null && (routed || catalog.ingress.name().equals(deadLetter.getOriginalTopic()))) {
      try {
        TaskRequest request = routed
            ? TaskRequest.newBuilder(ROUTED.deserialize(deadLetter.getOriginalTopic(), value).getRequest()).build()
            : REQUESTS.deserialize(deadLetter.getOriginalTopic(), value);
        Map<String, String> attributes = new HashMap<>(request.getAttributes());
        attributes.put(REPLAY_OF_ATTRIBUTE, deadLetter.getId());
        request.setAttributes(attributes);
        request.setApprovalToken(null);
        return new Resend(catalog.ingress.name(), IngressKey.of(request).getBytes(StandardCharsets.UTF_8),
            REQUESTS.serialize(catalog.ingress.name(), request));
      } catch (SerializationException e) {
        // Not a request after all: replay the bytes where they were read.
      }
    }
    return new Resend(deadLetter.getOriginalTopic(), key, value);
  }

  static boolean carriesRoutedTasks(TopicCatalog catalog, String topic) {
    String plugins = catalog.prefix() + "plugin.";
    return topic != null && (topic.equals(catalog.routed.name()) || (topic.startsWith(plugins) && topic.endsWith(".tasks")));
  }
}
