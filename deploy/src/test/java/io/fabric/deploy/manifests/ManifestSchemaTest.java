package io.fabric.deploy.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.schemas.topics.AccessRules;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicProfile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The manifests validate offline against Kubernetes', Strimzi's and compose's own schemas: the
 * committed ones under {@code deploy/} (this module's directory), and a render with every option set.
 */
class ManifestSchemaTest {
  /** This module's directory is the repository's {@code deploy/}, where the committed manifests live. */
  private static final Path COMMITTED = Path.of("").toAbsolutePath();

  @Test
  void committedManifestsValidateAgainstTheirSchemas() throws IOException {
    SortedMap<String, String> committed = new TreeMap<>();
    for (String folder : List.of("k8s", "compose")) {
      try (Stream<Path> files = Files.list(COMMITTED.resolve(folder))) {
        for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).toList()) {
          committed.put(folder + "/" + f.getFileName(), Files.readString(f));
        }
      }
    }
    assertTrue(committed.containsKey("k8s/topics.yaml") && committed.containsKey("compose/compose.yaml"), committed.keySet().toString());

    assertEquals(List.of(), problems(committed));
  }

  @Test
  void aRenderWithSubmittersAndTheSingleNodeProfileValidatesToo() {
    TopicCatalog catalog = TopicCatalog.create(6, List.of("email", "stripe"));
    List<Deployable> apps = List.of(
        new Deployable("gateway", List.of("status"), AccessRules.forApp(catalog, "status"), true, 3),
        new Deployable("pipeline", List.of("policy", "router"), AccessRules.forApp(catalog, "policy"), false, 1));
    SortedMap<String, String> files = ManifestRenderer.render(catalog, apps,
        new RenderOptions(TopicProfile.SINGLE_NODE, "fabric-test", "registry.example/fabric:1", List.of("crm", "billing")));

    assertEquals(List.of(), problems(files));
    assertTrue(files.get("k8s/users.yaml").contains("name: fabric-submitter-billing"), files.get("k8s/users.yaml"));
  }

  @Test
  void aMisspeltFieldOrAnUnknownAclOperationFailsValidation() {
    JsonNode deployment = first("k8s/apps.yaml", "Deployment");
    ((ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0)).put("readinessProbes", "x");
    JsonNode user = first("k8s/users.yaml", "KafkaUser");
    ((ArrayNode) user.path("spec").path("authorization").path("acls").get(0).path("operations")).add("Reed");
    JsonNode topic = first("k8s/topics.yaml", "KafkaTopic");
    ((ObjectNode) topic.path("spec")).put("partitions", 0);

    List<String> problems = new ArrayList<>();
    Stream.of(deployment, user, topic).forEach(d -> problems.addAll(ManifestSchemas.validateKubernetes(d)));

    assertTrue(problems.stream().anyMatch(p -> p.startsWith("Deployment/") && p.contains("readinessProbes")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("KafkaUser/") && p.contains("operations")), problems.toString());
    assertTrue(problems.stream().anyMatch(p -> p.startsWith("KafkaTopic/") && p.contains("partitions")), problems.toString());
  }

  @Test
  void aComposeServiceWithAnUnknownKeyFailsValidation() {
    JsonNode compose = ManifestSchemas.documents(render().get("compose/compose.yaml")).get(0);
    ((ObjectNode) compose.path("services").path("kafka-1")).put("restartt", "always");

    List<String> problems = ManifestSchemas.validateCompose(compose);

    assertFalse(problems.isEmpty());
    assertTrue(problems.toString().contains("restartt"), problems.toString());
  }

  private static JsonNode first(String file, String kind) {
    return ManifestSchemas.documents(render().get(file)).stream().filter(d -> d.path("kind").asText().equals(kind))
        .findFirst().orElseThrow();
  }

  private static SortedMap<String, String> render() {
    TopicCatalog catalog = TopicCatalog.defaults();
    return ManifestRenderer.render(catalog, List.of(
        new Deployable("gateway", List.of("status"), AccessRules.forApp(catalog, "status"), true, 2)), RenderOptions.defaults());
  }

  static List<String> problems(Map<String, String> files) {
    List<String> problems = new ArrayList<>();
    files.forEach((path, yaml) -> {
      List<JsonNode> docs = ManifestSchemas.documents(yaml);
      if (docs.isEmpty()) {
        problems.add(path + ": no documents");
      }
      for (JsonNode doc : docs) {
        (path.startsWith("compose/") ? ManifestSchemas.validateCompose(doc) : ManifestSchemas.validateKubernetes(doc))
            .forEach(p -> problems.add(path + ": " + p));
      }
    });
    return problems;
  }
}
