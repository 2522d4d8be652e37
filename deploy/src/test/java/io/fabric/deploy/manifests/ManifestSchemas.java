package io.fabric.deploy.manifests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Validates manifests offline against the JSON Schemas under {@code src/test/resources/schemas}
 * (where each came from: the README there): Kubernetes core/apps v1, Strimzi's CRDs, the compose spec.
 */
final class ManifestSchemas {
  private static final Map<String, String> BY_KIND = Map.of(
      "Deployment", "kubernetes/deployment.json",
      "Service", "kubernetes/service.json",
      "ConfigMap", "kubernetes/configmap.json",
      "Secret", "kubernetes/secret.json",
      "Kafka", "strimzi/kafka.json",
      "KafkaNodePool", "strimzi/kafkanodepool.json",
      "KafkaTopic", "strimzi/kafkatopic.json",
      "KafkaUser", "strimzi/kafkauser.json");
  static final String COMPOSE = "compose/compose-spec.json";
  private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7);
  private static final Map<String, Schema> LOADED = new ConcurrentHashMap<>();
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  private ManifestSchemas() {}

  /** The YAML documents of one file. */
  static List<JsonNode> documents(String yaml) {
    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(yaml)) {
      List<JsonNode> all = new ArrayList<>();
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && !doc.isNull() && !doc.isMissingNode()) {
          all.add(doc);
        }
      }
      return all;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Problems of one Kubernetes document, each naming it; an unknown kind is one. */
  static List<String> validateKubernetes(JsonNode doc) {
    String kind = doc.path("kind").asText();
    String name = kind + "/" + doc.path("metadata").path("name").asText();
    String schema = BY_KIND.get(kind);
    if (schema == null) {
      return List.of(name + ": no schema for kind '" + kind + "'");
    }
    return validate(schema, doc, name);
  }

  /** Problems of a compose file. */
  static List<String> validateCompose(JsonNode doc) {
    return validate(COMPOSE, doc, "compose");
  }

  private static List<String> validate(String schemaPath, JsonNode doc, String name) {
    Schema schema = LOADED.computeIfAbsent(schemaPath, ManifestSchemas::load);
    try {
      List<Error> errors = schema.validate(JSON.writeValueAsString(doc), InputFormat.JSON);
      return errors.stream().map(e -> name + ": " + e.getInstanceLocation() + " " + e.getMessage()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** From the classpath by location, so a relative {@code $id} (the compose spec's) resolves against it. */
  private static Schema load(String path) {
    if (ManifestSchemas.class.getResource("/schemas/" + path) == null) {
      throw new IllegalStateException("no schema /schemas/" + path + " on the test classpath");
    }
    return REGISTRY.getSchema(SchemaLocation.of("classpath:schemas/" + path));
  }
}
