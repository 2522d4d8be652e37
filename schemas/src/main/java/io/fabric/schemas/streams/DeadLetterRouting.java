package io.fabric.schemas.streams;

import io.fabric.contracts.DeadLetter;
import io.fabric.observability.FabricMetrics;
import io.fabric.schemas.AvroSerde;
import io.fabric.schemas.records.DeadLetters;
import io.fabric.schemas.records.Reason;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.errors.ErrorHandlerContext;

/** Turns a record Streams could not handle into a {@link DeadLetter} on the fabric's DLQ topic. */
final class DeadLetterRouting {
  static final String DLQ_TOPIC_CONFIG = "fabric.dlq.topic";
  static final String STAGE_CONFIG = "fabric.stage";
  /** Optional: where a DEAD_LETTER audit event goes with each dead letter, in the same transaction. */
  static final String AUDIT_TOPIC_CONFIG = "fabric.audit.topic";

  private static final AvroSerde<DeadLetter> SERDE = AvroSerde.of(DeadLetter.class);
  private static final AvroSerde<io.fabric.contracts.AuditEvent> AUDIT = AvroSerde.of(io.fabric.contracts.AuditEvent.class);

  private final String topic;
  private final String stage;
  private final String auditTopic;
  private final FabricMetrics metrics;

  private DeadLetterRouting(String topic, String stage, String auditTopic, FabricMetrics metrics) {
    this.topic = topic;
    this.stage = stage;
    this.auditTopic = auditTopic;
    this.metrics = metrics;
  }

  static DeadLetterRouting from(Map<String, ?> configs) {
    Object topic = configs.get(DLQ_TOPIC_CONFIG);
    Object stage = configs.get(STAGE_CONFIG);
    if (topic == null || stage == null) {
      throw new ConfigException("the fabric's Streams error handlers need " + DLQ_TOPIC_CONFIG + " and " + STAGE_CONFIG);
    }
    Object audit = configs.get(AUDIT_TOPIC_CONFIG);
    return new DeadLetterRouting(topic.toString(), stage.toString(), audit == null ? null : audit.toString(),
        FabricMetrics.from(configs));
  }

  List<ProducerRecord<byte[], byte[]>> deadLetter(ErrorHandlerContext context, byte[] key, byte[] value, Reason reason, Exception error) {
    DeadLetter letter = DeadLetters.builder(stage, reason,
        new DeadLetters.Origin(context.topic(), context.partition(), context.offset(), key, value, context.headers()),
        error, System.currentTimeMillis()).build();
    metrics.deadLetter(stage, reason.name());
    // stamped with the dead letter's time: a consumer of these topics (the breakers measure dead letters) reads a real timestamp
    ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(topic, null, letter.getAt(), key, SERDE.serialize(topic, letter), context.headers());
    if (auditTopic == null) {
      return List.of(dead);
    }
    io.fabric.contracts.AuditEvent event = io.fabric.contracts.AuditEvent.newBuilder().setId(java.util.UUID.randomUUID().toString())
        .setAt(letter.getAt()).setType(io.fabric.schemas.records.AuditEvents.DEAD_LETTER)
        .setDetail(stage + ": " + reason.name() + ": " + context.topic() + " " + context.partition() + "@" + context.offset()
            + " went to " + topic + " as dead letter " + letter.getId()).build();
    return List.of(dead, new ProducerRecord<>(auditTopic, null, letter.getAt(), null, AUDIT.serialize(auditTopic, event)));
  }
}
