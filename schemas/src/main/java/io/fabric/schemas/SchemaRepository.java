package io.fabric.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificRecord;

/**
 * The fabric's stand-in for a schema registry: every writer schema a reader may meet, by its
 * 64-bit parsing fingerprint (the one in Avro's single-object header).
 *
 * <p>It starts with every released schema shipped in this jar plus the current generated ones, so
 * old and new versions of the apps read each other with no server. A fingerprint it does not know
 * is looked up through the registered remote lookups (the compacted {@code fabric.schemas} topic)
 * before a decode gives up.
 */
public final class SchemaRepository implements SchemaStore {
  /** Looks a fingerprint up somewhere outside this JVM; returns empty when it is unknown there too. */
  @FunctionalInterface
  public interface RemoteLookup {
    Optional<Schema> find(long fingerprint);
  }

  private static final String RELEASED_INDEX = "/fabric-schemas/released/index.txt";
  private static final SchemaRepository SHARED = loadShared();

  private final Map<Long, Schema> byFingerprint = new ConcurrentHashMap<>();
  private final List<RemoteLookup> remoteLookups = new CopyOnWriteArrayList<>();

  /** The one repository per JVM: released and current schemas plus what remote lookups found. */
  public static SchemaRepository shared() {
    return SHARED;
  }

  public static long fingerprint(Schema schema) {
    return SchemaNormalization.parsingFingerprint64(schema);
  }

  public static String fingerprintHex(long fingerprint) {
    return String.format("%016x", fingerprint);
  }

  public void register(Schema schema) {
    byFingerprint.putIfAbsent(fingerprint(schema), schema);
  }

  public void addRemoteLookup(RemoteLookup lookup) {
    if (!remoteLookups.contains(lookup)) {
      remoteLookups.add(lookup);
    }
  }

  public boolean hasRemoteLookup() {
    return !remoteLookups.isEmpty();
  }

  @Override
  public Schema findByFingerprint(long fingerprint) {
    Schema known = byFingerprint.get(fingerprint);
    if (known != null) {
      return known;
    }
    for (RemoteLookup lookup : remoteLookups) {
      Optional<Schema> found = lookup.find(fingerprint);
      if (found.isPresent()) {
        register(found.get());
        return found.get();
      }
    }
    return null;
  }

  /** Schemas known locally whose full name matches, e.g. to read every released version of a type. */
  public List<Schema> knownVersionsOf(String fullName) {
    return byFingerprint.values().stream().filter(s -> s.getFullName().equals(fullName)).toList();
  }

  public Collection<Schema> all() {
    return List.copyOf(byFingerprint.values());
  }

  /** Released schemas in order of the index, i.e. oldest first per type. */
  public static List<ReleasedSchema> released() {
    try (InputStream index = SchemaRepository.class.getResourceAsStream(RELEASED_INDEX)) {
      if (index == null) {
        return List.of();
      }
      return new String(index.readAllBytes(), StandardCharsets.UTF_8).lines()
          .map(String::strip)
          .filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .map(SchemaRepository::readReleased)
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the released schema index", e);
    }
  }

  /** A schema as it was released: {@code Name/vN.avsc}. */
  public record ReleasedSchema(String path, String name, int version, Schema schema) {}

  private static ReleasedSchema readReleased(String path) {
    try (InputStream in = SchemaRepository.class.getResourceAsStream("/fabric-schemas/released/" + path)) {
      if (in == null) {
        throw new IllegalStateException("released schema listed in the index is missing: " + path);
      }
      Schema schema = new Schema.Parser().parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      String name = path.substring(0, path.indexOf('/'));
      int version = Integer.parseInt(path.substring(path.lastIndexOf("/v") + 2, path.lastIndexOf('.')));
      return new ReleasedSchema(path, name, version, schema);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read released schema " + path, e);
    }
  }

  private static SchemaRepository loadShared() {
    SchemaRepository repository = new SchemaRepository();
    for (ReleasedSchema released : released()) {
      repository.register(released.schema());
    }
    for (Class<? extends SpecificRecord> type : FabricSchemas.TOP_LEVEL) {
      repository.register(AvroSerde.schemaOf(type));
    }
    return repository;
  }
}
