package io.fabric.dlq;

import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.KafkaHeader;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.ReplayLineage;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.Reason;
import io.fabric.schemas.records.TraceContext;
import io.fabric.schemas.topics.ReservedNames;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.internals.RecordHeaders;

/** Dead letters of the kinds the fabric writes, built with the same builders the stages use. */
public final class DeadLetterSamples {
  private static final AvroSerde<TaskRequest> REQUESTS = AvroSerde.of(TaskRequest.class);
  private static final AvroSerde<RoutedTask> ROUTED = AvroSerde.of(RoutedTask.class);

  private DeadLetterSamples() {}

  public static TaskRequest request(String tenant, String flow, String action) {
    String id = UUID.randomUUID().toString();
    return TaskRequest.newBuilder()
        .setRequestId(id).setTenantId(tenant).setFlowId(flow).setAction(action)
        .setPayload("{\"to\":\"+15550100\",\"text\":\"hello\"}")
        .setIdempotencyKey("idem-" + id).setSubmittedAt(1_790_000_000_000L).setSource("cli")
        .setAttributes(Map.of("bench", "no"))
        .build();
  }

  public static byte[] encode(TaskRequest request) {
    return REQUESTS.serialize("ingress", request);
  }

  /** Bytes on the ingress topic that are not a TaskRequest: the policy gate dead-letters them as UNDECODABLE. */
  public static DeadLetter undecodable(String ingressTopic, int offset, Instant at) {
    byte[] garbage = ("not avro #" + offset).getBytes(StandardCharsets.UTF_8);
    RecordHeaders headers = new RecordHeaders();
    headers.add(TraceContext.HEADER, TraceContext.newTraceparent().getBytes(StandardCharsets.UTF_8));
    return DeadLetters.builder("policy-stream", Reason.UNDECODABLE,
        new DeadLetters.Origin(ingressTopic, 0, offset, ("key-" + offset).getBytes(StandardCharsets.UTF_8), garbage, headers),
        new SerializationException("not an Avro single-object record (Message is too short) on topic " + ingressTopic),
        at.toEpochMilli()).build();
  }

  /** A request for an action no plugin provides: the router dead-letters it. */
  public static DeadLetter unknownTaskType(String ingressTopic, int offset, Instant at, String tenant, String flow, String action) {
    TaskRequest request = request(tenant, flow, action);
    DeadLetter.Builder builder = DeadLetters.builder("router-stream", Reason.UNKNOWN_TASK_TYPE,
        origin(ingressTopic, offset, request), new IllegalArgumentException("no plugin provides action " + action),
        at.toEpochMilli());
    return DeadLetters.about(builder, request, "A").build();
  }

  /** A request whose plugin failed every attempt. */
  public static DeadLetter executionFailed(String ingressTopic, int offset, Instant at, String plugin, String tenant, String flow,
                                    String action, Exception error, int attempts) {
    TaskRequest request = request(tenant, flow, action);
    DeadLetter.Builder builder = DeadLetters.builder("plugin:" + plugin, Reason.EXECUTION_FAILED,
        origin(ingressTopic, offset, request), error, at.toEpochMilli());
    List<io.fabric.contracts.ExecutionAttempt> list = new ArrayList<>();
    for (int i = 1; i <= attempts; i++) {
      list.add(DeadLetters.attempt(i, at.minusSeconds(attempts - i).toString(), error));
    }
    return DeadLetters.about(builder, request, "A").setAttempts(list).build();
  }

  /** The same dead letter, as if its original record had been replayed {@code count} times before it failed. */
  public static DeadLetter replayedBefore(DeadLetter deadLetter, int count) {
    List<KafkaHeader> headers = new ArrayList<>(deadLetter.getOriginalHeaders());
    headers.add(KafkaHeader.newBuilder().setKey(ReservedNames.REPLAY_COUNT_HEADER)
        .setValue(ByteBuffer.wrap(Integer.toString(count).getBytes(StandardCharsets.UTF_8))).build());
    return DeadLetter.newBuilder(deadLetter).setOriginalHeaders(headers).build();
  }

  /** What the DLQ replayer stamps on a request it replays for the {@code generation}th time. */
  public static ReplayLineage lineage(String deadLetterId, int generation) {
    return ReplayLineage.newBuilder().setDeadLetterId(deadLetterId).setGeneration(generation)
        .setReplayedAt(1_790_000_100_000L).setReplayedBy("alice@ops").build();
  }

  /**
   * A task that the gate routed to a plugin's task topic and whose plugin failed every attempt: the
   * original record is a {@code RoutedTask} and its headers are the ones the gate wrote (no replay
   * headers), so only the request's lineage tells how often it was replayed.
   */
  public static DeadLetter failedAfterGate(String pluginTopic, int offset, Instant at, TaskRequest request, Exception error) {
    RoutedTask task = RoutedTask.newBuilder().setRequest(request)
        .setDecision(PolicyDecision.newBuilder().setActionClass("A").setRule("default:class-a").setPolicyVersion("v1")
            .setDecidedAt(at.toEpochMilli()).build())
        .build();
    RecordHeaders headers = new RecordHeaders();
    headers.add(TraceContext.HEADER, TraceContext.newTraceparent().getBytes(StandardCharsets.UTF_8));
    DeadLetter.Builder builder = DeadLetters.builder("plugin:" + pluginTopic, Reason.EXECUTION_FAILED,
        new DeadLetters.Origin(pluginTopic, offset % 3, offset, request.getFlowId().getBytes(StandardCharsets.UTF_8),
            ROUTED.serialize(pluginTopic, task), headers), error, at.toEpochMilli());
    return DeadLetters.about(builder, request, "A").build();
  }

  private static DeadLetters.Origin origin(String topic, int offset, TaskRequest request) {
    RecordHeaders headers = new RecordHeaders();
    headers.add(TraceContext.HEADER, TraceContext.newTraceparent().getBytes(StandardCharsets.UTF_8));
    return new DeadLetters.Origin(topic, offset % 3, offset, request.getFlowId().getBytes(StandardCharsets.UTF_8),
        encode(request), headers);
  }
}
