package io.fabric.audit.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric.contracts.ApprovalToken;
import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.BlockedTask;
import io.fabric.contracts.ChainedAuditEvent;
import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.PendingApproval;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.schemas.AvroSerde;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/**
 * The record types a pack holds, by the name the pack gives them, and their one readable rendering
 * (Avro's JSON text of the decoded record), which the verifier re-derives from the encoded bytes.
 */
final class PackItems {
  static final ObjectMapper MAPPER = new ObjectMapper();

  static final Map<String, AvroSerde<? extends SpecificRecord>> TYPES = Map.of(
      "TaskRequest", AvroSerde.of(TaskRequest.class),
      "RoutedTask", AvroSerde.of(RoutedTask.class),
      "BlockedTask", AvroSerde.of(BlockedTask.class),
      "PendingApproval", AvroSerde.of(PendingApproval.class),
      "ApprovalToken", AvroSerde.of(ApprovalToken.class),
      "FlowCheckpoint", AvroSerde.of(FlowCheckpoint.class),
      "ChainedAuditEvent", AvroSerde.of(ChainedAuditEvent.class),
      "AuditEvent", AvroSerde.of(AuditEvent.class));

  private PackItems() {}

  static SpecificRecord decode(String type, byte[] bytes) {
    AvroSerde<? extends SpecificRecord> serde = TYPES.get(type);
    if (serde == null) {
      throw new IllegalArgumentException("unknown record type " + type);
    }
    return serde.deserialize("evidence pack", bytes);
  }

  @SuppressWarnings("unchecked")
  static <T extends SpecificRecord> byte[] encode(T record) {
    AvroSerde<T> serde = (AvroSerde<T>) TYPES.get(record.getClass().getSimpleName());
    return serde.serialize("evidence pack", record);
  }

  static JsonNode readable(SpecificRecord record) {
    String text = record.toString();
    try {
      return MAPPER.readTree(text);
    } catch (Exception e) {
      return TextNode.valueOf(text);
    }
  }
}
