package io.fabric.agents.definition;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * JSON Schema (draft 2020-12) validation with networknt's validator, in this codebase's Jackson 2
 * terms. The validator (3.x) is built on Jackson 3, so trees cross over as JSON text; every
 * violation comes back with the JSON pointer of the offending node, so a caller can name its line.
 */
public final class JsonSchemas {
  /** One way an instance breaks a schema: where (a JSON pointer into the instance) and why. */
  public record Violation(JsonPointer at, String message) {
    /** {@code /a/b: message}, or just the message at the root. */
    @Override
    public String toString() {
      return (at.matches() ? "" : at + ": ") + message;
    }
  }

  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Schema META_SCHEMA = REGISTRY.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Schema schema;

  private JsonSchemas(Schema schema) {
    this.schema = schema;
  }

  /** Compiles {@code schema}; call {@link #problemsOfSchema} first when the schema comes from a user. */
  public static JsonSchemas compile(JsonNode schema) {
    return new JsonSchemas(REGISTRY.getSchema(text(schema), InputFormat.JSON));
  }

  /** Compiles a schema shipped on the classpath. */
  static JsonSchemas resource(String name) {
    try (InputStream in = JsonSchemas.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new JsonSchemas(REGISTRY.getSchema(in, InputFormat.JSON));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What makes {@code schema} not a valid draft 2020-12 JSON Schema; empty when it is one. */
  public static List<Violation> problemsOfSchema(JsonNode schema) {
    return violations(META_SCHEMA.validate(text(schema), InputFormat.JSON));
  }

  /** What makes {@code instance} break this schema; empty when it conforms. */
  public List<Violation> validate(JsonNode instance) {
    return violations(schema.validate(text(instance), InputFormat.JSON));
  }

  private static List<Violation> violations(List<Error> errors) {
    return errors.stream().map(e -> new Violation(pointer(e), e.getMessage())).toList();
  }

  /** The instance node an error is about; for an unexpected property, the property itself (so its line is named). */
  private static JsonPointer pointer(Error error) {
    JsonPointer at = JsonPointer.empty();
    NodePath path = error.getInstanceLocation();
    for (int i = 0; path != null && i < path.getNameCount(); i++) {
      Object element = path.getElement(i);
      at = element instanceof Integer index ? at.appendIndex(index) : at.appendProperty(String.valueOf(element));
    }
    if ("additionalProperties".equals(error.getKeyword()) && error.getProperty() != null) {
      at = at.appendProperty(error.getProperty());
    }
    return at;
  }

  private static String text(JsonNode node) {
    try {
      return JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not writable as JSON: " + e.getOriginalMessage(), e);
    }
  }
}
