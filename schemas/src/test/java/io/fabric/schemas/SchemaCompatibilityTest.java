package io.fabric.schemas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

/**
 * The build-time gate on contract changes: every current schema must read, and be read by, the
 * last released version of its type. To release a change, add {@code Name/vN+1.avsc} and list it
 * in {@code fabric-schemas/released/index.txt}.
 */
class SchemaCompatibilityTest {
  private final Map<String, SchemaRepository.ReleasedSchema> latestReleased = SchemaRepository.released().stream()
      .collect(Collectors.toMap(SchemaRepository.ReleasedSchema::name, Function.identity(),
          (a, b) -> a.version() >= b.version() ? a : b));

  @Test
  void everyTopLevelContractHasAReleasedVersion() {
    for (Class<? extends SpecificRecord> type : FabricSchemas.TOP_LEVEL) {
      assertTrue(latestReleased.containsKey(type.getSimpleName()),
          type.getSimpleName() + " has no released schema: add fabric-schemas/released/" + type.getSimpleName() + "/v1.avsc");
    }
  }

  @Test
  void currentSchemasAreBackwardAndForwardCompatibleWithTheLastRelease() {
    StringBuilder problems = new StringBuilder();
    for (Class<? extends SpecificRecord> type : FabricSchemas.TOP_LEVEL) {
      Schema current = AvroSerde.schemaOf(type);
      SchemaRepository.ReleasedSchema released = latestReleased.get(type.getSimpleName());
      if (released == null) {
        continue;
      }
      check(problems, type.getSimpleName() + " (current reads v" + released.version() + ")", current, released.schema());
      check(problems, type.getSimpleName() + " (v" + released.version() + " reads current)", released.schema(), current);
    }
    if (!problems.isEmpty()) {
      fail("schema changes break compatibility with the last release:\n" + problems);
    }
  }

  @Test
  void theCheckCatchesAnIncompatibleChange() {
    Schema released = AvroSerde.schemaOf(io.fabric.contracts.TaskRequest.class);
    Schema renamedRequiredField = new Schema.Parser().parse(released.toString().replace("\"tenant_id\"", "\"tenant\""));

    SchemaCompatibility.SchemaPairCompatibility result =
        SchemaCompatibility.checkReaderWriterCompatibility(renamedRequiredField, released);

    assertEquals(SchemaCompatibilityType.INCOMPATIBLE, result.getType());
  }

  @Test
  void releasedVersionsAreListedOldestFirst() {
    List<SchemaRepository.ReleasedSchema> all = SchemaRepository.released();
    Map<String, List<Integer>> versions = all.stream().collect(Collectors.groupingBy(SchemaRepository.ReleasedSchema::name,
        Collectors.mapping(SchemaRepository.ReleasedSchema::version, Collectors.toList())));
    versions.forEach((name, list) -> assertEquals(list.stream().sorted(Comparator.naturalOrder()).toList(), list, name));
  }

  private static void check(StringBuilder problems, String label, Schema reader, Schema writer) {
    SchemaCompatibility.SchemaPairCompatibility result = SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
    if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
      problems.append("- ").append(label).append(": ").append(result.getResult().getIncompatibilities()).append('\n');
    }
  }
}
