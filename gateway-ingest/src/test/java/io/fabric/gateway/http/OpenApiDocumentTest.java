package io.fabric.gateway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code /openapi.json} describes exactly the routes the gateway registers, is OpenAPI 3.1 in shape
 * (every operation answers, every path parameter is declared, every {@code $ref} resolves), and each
 * of its schemas is a valid JSON Schema 2020-12 (the dialect of OpenAPI 3.1), checked by networknt's
 * validator against the meta-schema.
 */
class OpenApiDocumentTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "options", "head", "patch", "trace");

  private final JsonNode doc = read();

  private static JsonNode read() {
    try {
      return JSON.readTree(HttpGateway.openApiDocument());
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void itDescribesExactlyTheRegisteredRoutes() {
    Set<HttpGateway.Route> documented = new HashSet<>();
    doc.get("paths").fields().forEachRemaining(path -> path.getValue().fieldNames().forEachRemaining(method -> {
      if (METHODS.contains(method)) {
        documented.add(new HttpGateway.Route(method, path.getKey()));
      }
    }));
    assertEquals(Set.copyOf(HttpGateway.ROUTES), documented);
  }

  @Test
  void itIsAnOpenApi31DocumentWhoseOperationsAnswerAndWhosePathParametersAreDeclared() {
    assertTrue(doc.get("openapi").asText().startsWith("3.1."));
    assertFalse(doc.at("/info/title").asText().isBlank());
    assertFalse(doc.at("/info/version").asText().isBlank());
    Pattern parameter = Pattern.compile("\\{([^}]+)}");
    doc.get("paths").fields().forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
      String where = op.getKey() + " " + path.getKey();
      assertTrue(op.getValue().get("responses").size() > 0, where + " has responses");
      op.getValue().get("responses").fieldNames().forEachRemaining(code -> assertTrue(code.matches("[1-5]\\d\\d|default"), where + " " + code));
      Matcher m = parameter.matcher(path.getKey());
      while (m.find()) {
        String name = m.group(1);
        boolean declared = false;
        for (JsonNode p : op.getValue().path("parameters")) {
          declared |= p.get("name").asText().equals(name) && p.get("in").asText().equals("path") && p.get("required").asBoolean();
        }
        assertTrue(declared, where + " declares path parameter " + name);
      }
    }));
    List<String> refs = new ArrayList<>();
    collectRefs(doc, refs);
    assertFalse(refs.isEmpty());
    for (String ref : refs) {
      assertTrue(ref.startsWith("#/"), ref);
      assertFalse(doc.at(ref.substring(1)).isMissingNode(), ref + " resolves");
    }
  }

  @Test
  void everySchemaIsAValidJsonSchema202012() {
    SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    Schema metaSchema = registry.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));
    List<String> schemas = new ArrayList<>();
    doc.at("/components/schemas").fields().forEachRemaining(e -> schemas.add(e.getValue().toString()));
    collectInlineSchemas(doc.get("paths"), schemas);
    assertTrue(schemas.size() > 10);
    for (String schema : schemas) {
      assertEquals(List.of(), metaSchema.validate(schema, InputFormat.JSON), schema);
    }
    // and the meta-schema does reject a broken one, so the check above means something
    assertFalse(metaSchema.validate("{\"type\": 5}", InputFormat.JSON).isEmpty());
  }

  private static void collectRefs(JsonNode node, List<String> refs) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        if (e.getKey().equals("$ref")) {
          refs.add(e.getValue().asText());
        } else {
          collectRefs(e.getValue(), refs);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collectRefs(n, refs));
    }
  }

  private static void collectInlineSchemas(JsonNode node, List<String> schemas) {
    if (node.isObject()) {
      node.fields().forEachRemaining(e -> {
        if (e.getKey().equals("schema") && e.getValue().isObject()) {
          schemas.add(e.getValue().toString());
        } else {
          collectInlineSchemas(e.getValue(), schemas);
        }
      });
    } else if (node.isArray()) {
      node.forEach(n -> collectInlineSchemas(n, schemas));
    }
  }
}
