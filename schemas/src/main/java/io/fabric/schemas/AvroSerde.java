package io.fabric.schemas;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.SystemLimitException;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.message.MissingSchemaException;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.ClassSecurityValidator;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serde for the fabric's Avro contracts in Avro's single-object encoding (2-byte marker,
 * 8-byte schema fingerprint, binary body), which replaces Confluent's registry-backed serializer.
 *
 * <p>Decoding resolves the writer schema through {@link SchemaRepository}: released schemas ship in
 * the jar, and unknown fingerprints are looked up in {@code fabric.schemas} when the serde was
 * configured with {@code bootstrap.servers}.
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  /**
   * The longest string or bytes field a record may declare: far above any Kafka record the fabric accepts
   * ({@code max.message.bytes}), far below the heap.
   */
  static final int MAX_FIELD_LENGTH = 64 * 1024 * 1024;

  static {
    limitDeclaredLengths();
    trustContractsPackage();
  }

  private final Class<T> type;
  private final Schema schema;
  private final BinaryMessageEncoder<T> encoder;
  private final BinaryMessageDecoder<T> decoder;

  public AvroSerde(Class<T> type) {
    this.type = type;
    this.schema = schemaOf(type);
    SpecificData model = SpecificData.getForClass(type);
    SchemaRepository repository = SchemaRepository.shared();
    this.encoder = new BinaryMessageEncoder<>(model, schema);
    this.decoder = new BinaryMessageDecoder<>(model, schema, repository);
    for (Schema known : repository.knownVersionsOf(schema.getFullName())) {
      decoder.addSchema(known);
    }
  }

  public static <T extends SpecificRecord> AvroSerde<T> of(Class<T> type) {
    return new AvroSerde<>(type);
  }

  /**
   * Avro 1.12 refuses to instantiate classes outside trusted packages while decoding; the
   * contracts are ours, so trust them once here rather than asking users for a system property.
   */
  static void trustContractsPackage() {
    ClassSecurityValidator.ClassSecurityPredicate previous = ClassSecurityValidator.getGlobal();
    ClassSecurityValidator.setGlobal(ClassSecurityValidator.composite(previous,
        c -> c.getName().startsWith(FabricSchemas.CONTRACTS_PACKAGE + ".")));
  }

  /**
   * Avro allocates a string or bytes field's declared length before reading it, up to 2 GiB by default, so a
   * 20-byte record that claims a huge field throws OutOfMemoryError (an Error no handler catches) in whatever
   * reads it. With a limit it fails as a SerializationException, and goes to the DLQ or is reported as
   * undecodable. Set before Avro reads its limits (once, when it first decodes); a limit the user set wins.
   */
  static void limitDeclaredLengths() {
    for (String property : new String[] {SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, SystemLimitException.MAX_STRING_LENGTH_PROPERTY}) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, Integer.toString(MAX_FIELD_LENGTH));
      }
    }
  }

  public static Schema schemaOf(Class<? extends SpecificRecord> type) {
    return SpecificData.get().getSchema(type);
  }

  public Schema schema() {
    return schema;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    TopicSchemaLookup.attachIfConfigured(configs);
  }

  @Override
  public byte[] serialize(String topic, T data) {
    if (data == null) {
      return null;
    }
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream(256);
      encoder.encode(data, out);
      return out.toByteArray();
    } catch (IOException | AvroRuntimeException | ClassCastException | NullPointerException e) {
      throw new SerializationException("cannot encode " + type.getSimpleName() + " for topic " + topic + ": " + e.getMessage(), e);
    }
  }

  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    try {
      return decoder.decode(data);
    } catch (MissingSchemaException e) {
      throw new SerializationException("unknown schema fingerprint " + fingerprintOf(data) + " for " + type.getSimpleName()
          + " on topic " + topic + ": not a released schema and not in " + TopicSchemaLookup.SCHEMAS_TOPIC, e);
    } catch (BadHeaderException e) {
      throw new SerializationException("not an Avro single-object record (" + e.getMessage() + ") on topic " + topic, e);
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot decode " + type.getSimpleName() + " on topic " + topic + ": "
          + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
    }
  }

  private static String fingerprintOf(byte[] data) {
    if (data.length < 10) {
      return "(truncated)";
    }
    long fp = 0;
    for (int i = 9; i >= 2; i--) {
      fp = (fp << 8) | (data[i] & 0xFFL);
    }
    return SchemaRepository.fingerprintHex(fp);
  }

  @Override
  public Serializer<T> serializer() {
    return this;
  }

  @Override
  public Deserializer<T> deserializer() {
    return this;
  }

  @Override
  public void close() {}
}
