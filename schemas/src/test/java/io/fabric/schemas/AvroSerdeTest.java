package io.fabric.schemas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.FlowCheckpoint;
import io.fabric.contracts.FlowStep;
import io.fabric.contracts.TaskRequest;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class AvroSerdeTest {
  private final AvroSerde<TaskRequest> serde = AvroSerde.of(TaskRequest.class);

  static TaskRequest request() {
    return TaskRequest.newBuilder()
        .setRequestId("r-1").setTenantId("acme").setFlowId("f-1").setAction("summarize")
        .setPayload("{\"text\":\"hello\"}").setIdempotencyKey("k-1").setSubmittedAt(1_700_000_000_000L)
        .setSource("test").setTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        .setAttributes(Map.of("lane", "blue")).build();
  }

  @Test
  void roundTripsAGeneratedRecordInSingleObjectEncoding() {
    byte[] bytes = serde.serialize("t", request());

    assertEquals((byte) 0xC3, bytes[0], "single-object marker");
    assertEquals((byte) 0x01, bytes[1], "single-object version");
    assertEquals(request(), serde.deserialize("t", bytes));
  }

  @Test
  void roundTripsNestedRecordsWithoutTrustFlags() {
    AvroSerde<FlowCheckpoint> checkpoints = AvroSerde.of(FlowCheckpoint.class);
    FlowCheckpoint checkpoint = FlowCheckpoint.newBuilder().setFlowId("f").setTenantId("t").setRevisionId("rev")
        .setAt("2026-11-25T00:00:00Z").setNote("n").setStatus("RUNNING").setState("{}")
        .setSteps(List.of(FlowStep.newBuilder().setRequestId("r").setAction("a").setPlugin("p").setStatus("EXECUTED")
            .setRevisionId("rev").setAt("2026-11-25T00:00:00Z").build()))
        .build();

    assertEquals(checkpoint, checkpoints.deserialize("t", checkpoints.serialize("t", checkpoint)));
  }

  @Test
  void nullStaysNullForTombstones() {
    assertNull(serde.serialize("t", null));
    assertNull(serde.deserialize("t", null));
  }

  @Test
  void readsARecordWrittenByAnOlderWriterFoundInTheSchemaTopic() throws Exception {
    Schema current = serde.schema();
    Schema older = withoutFields(current, "final_step", "attributes");
    GenericRecord full = toGeneric(current);
    GenericRecord old = new GenericData.Record(older);
    older.getFields().forEach(f -> old.put(f.name(), full.get(f.name())));
    byte[] bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), older).encode(old).array();
    long olderFingerprint = SchemaRepository.fingerprint(older);
    SchemaRepository.shared().addRemoteLookup(fp -> fp == olderFingerprint ? Optional.of(older) : Optional.empty());

    TaskRequest decoded = AvroSerde.of(TaskRequest.class).deserialize("t", bytes);

    assertEquals("r-1", decoded.getRequestId());
    assertFalse(decoded.getFinalStep(), "missing field takes its default");
    assertTrue(decoded.getAttributes().isEmpty());
  }

  @Test
  void anOlderReaderReadsWhatTheCurrentWriterWrites() throws Exception {
    Schema older = withoutFields(serde.schema(), "final_step", "attributes");
    BinaryMessageDecoder<GenericRecord> oldReader = new BinaryMessageDecoder<>(GenericData.get(), older);
    oldReader.addSchema(serde.schema());

    GenericRecord read = oldReader.decode(serde.serialize("t", request()));

    assertEquals("summarize", read.get("action").toString());
    assertNull(read.getSchema().getField("attributes"));
  }

  @Test
  void unknownFingerprintFailsWithAClearMessage() throws Exception {
    Schema stranger = SchemaBuilder.record("TaskRequest").namespace("io.fabric.contracts").fields()
        .requiredString("something_else").endRecord();
    GenericRecord record = new GenericData.Record(stranger);
    record.put("something_else", "x");
    ByteBuffer bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), stranger).encode(record);
    byte[] array = new byte[bytes.remaining()];
    bytes.get(array);

    SerializationException e = assertThrows(SerializationException.class, () -> serde.deserialize("fabric.tasks.ingress", array));

    assertTrue(e.getMessage().startsWith("unknown schema fingerprint " + SchemaRepository.fingerprintHex(SchemaRepository.fingerprint(stranger))), e.getMessage());
    assertTrue(e.getMessage().contains("fabric.schemas"), e.getMessage());
  }

  @Test
  void garbageBytesFailWithASerializationException() {
    SerializationException e = assertThrows(SerializationException.class, () -> serde.deserialize("t", new byte[] {1, 2, 3}));
    assertTrue(e.getMessage().contains("not an Avro single-object record"), e.getMessage());
  }

  @Test
  void truncatedRecordFailsWithASerializationException() {
    byte[] full = serde.serialize("t", request());
    byte[] truncated = java.util.Arrays.copyOf(full, full.length / 2);

    assertThrows(SerializationException.class, () -> serde.deserialize("t", truncated));
    assertArrayEquals(full, serde.serialize("t", request()), "encoding is deterministic");
  }

  private static GenericRecord toGeneric(Schema schema) {
    return (GenericRecord) GenericData.get().deepCopy(schema, request());
  }

  private static Schema withoutFields(Schema schema, String... dropped) {
    List<String> drop = List.of(dropped);
    List<Schema.Field> kept = schema.getFields().stream().filter(f -> !drop.contains(f.name()))
        .map(f -> new Schema.Field(f, f.schema())).toList();
    return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, kept);
  }
}
