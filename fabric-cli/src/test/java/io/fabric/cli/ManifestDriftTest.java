package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.deploy.manifests.ManifestFiles;
import io.fabric.deploy.manifests.ManifestRenderer;
import io.fabric.deploy.manifests.RenderOptions;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifests committed under {@code deploy/} are what {@code fabric deploy render --out deploy}
 * renders from today's catalog. Regenerate with {@code -DupdateManifests=true} (see {@link ManifestFiles#REGENERATE}).
 */
class ManifestDriftTest {
  /** The repository's {@code deploy/} folder, seen from this module's directory (surefire's working directory). */
  static final Path COMMITTED = Path.of("..", "deploy").toAbsolutePath().normalize();

  @Test
  void committedManifestsAreWhatTheCatalogRenders() {
    SortedMap<String, String> rendered = render(DeployCommand.catalog(TopicCatalog.DEFAULT_PARTITIONS));
    if (Boolean.getBoolean("updateManifests")) {
      ManifestFiles.write(COMMITTED, rendered);
    }
    List<String> drift = ManifestFiles.drift(COMMITTED, rendered);
    assertEquals(List.of(), drift, "the committed manifests drifted from TopicCatalog; regenerate with " + ManifestFiles.REGENERATE);
  }

  @Test
  void aTopicAddedToTheCatalogWithoutRenderingAgainIsDrift() {
    TopicCatalog today = DeployCommand.catalog(TopicCatalog.DEFAULT_PARTITIONS);
    List<String> plugins = new ArrayList<>(today.pluginNames());
    plugins.add("drift-probe");
    TopicCatalog extended = today.withPlugins(plugins);

    List<String> drift = ManifestFiles.drift(COMMITTED, render(extended));

    assertFalse(drift.isEmpty(), "a new topic must make the committed manifests stale");
    assertTrue(drift.stream().anyMatch(d -> d.contains("k8s/topics.yaml") && d.contains("differs")), String.join("\n", drift));
  }

  @Test
  void renderingTwiceGivesTheSameBytes(@TempDir Path first, @TempDir Path second) throws Exception {
    CliRun a = CliRun.of("deploy", "render", "--out", first.toString());
    CliRun b = CliRun.of("deploy", "render", "--out", second.toString());
    assertEquals(0, a.exitCode(), a.toString());
    assertEquals(0, b.exitCode(), b.toString());
    SortedMap<String, String> rendered = render(DeployCommand.catalog(TopicCatalog.DEFAULT_PARTITIONS));
    assertEquals(List.of(), ManifestFiles.drift(first, rendered), "the command renders what the test renders");
    for (String file : rendered.keySet()) {
      assertEquals(Files.readString(first.resolve(file)), Files.readString(second.resolve(file)), file);
    }
  }

  @Test
  void renderTakesTheProfileNamespaceImageAndSubmitters(@TempDir Path out) throws Exception {
    CliRun run = CliRun.of("deploy", "render", "--out", out.toString(), "--profile", "single-node", "--namespace", "staging",
        "--image", "registry.example/fabric:1.2", "--partitions", "6", "--submitter", "crm");
    assertEquals(0, run.exitCode(), run.toString());

    String topics = Files.readString(out.resolve("k8s/topics.yaml"));
    assertTrue(topics.contains("namespace: staging") && topics.contains("replicas: 1") && topics.contains("partitions: 6")
        && topics.contains("min.insync.replicas: \"1\""), topics);
    assertTrue(Files.readString(out.resolve("k8s/apps.yaml")).contains("image: registry.example/fabric:1.2"));
    assertTrue(Files.readString(out.resolve("compose/compose.yaml")).contains("- single-node"));
    String users = Files.readString(out.resolve("k8s/users.yaml"));
    assertTrue(users.contains("name: fabric-submitter-crm"), users);
    CliRun bad = CliRun.of("deploy", "render", "--out", out.toString(), "--profile", "prod");
    assertEquals(1, bad.exitCode(), bad.toString());
    assertTrue(bad.err().contains("unknown topic profile 'prod'"), bad.toString());
  }

  static SortedMap<String, String> render(TopicCatalog catalog) {
    return ManifestRenderer.render(catalog, DeployCommand.deployables(catalog), RenderOptions.defaults());
  }
}
