package io.fabric.cli;

import io.fabric.deploy.manifests.Deployable;
import io.fabric.deploy.manifests.ManifestFiles;
import io.fabric.deploy.manifests.ManifestRenderer;
import io.fabric.deploy.manifests.RenderOptions;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.schemas.topics.AccessRules;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicProfile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code fabric deploy render}: the Kubernetes and compose manifests, from the catalog, never by hand. */
@Command(name = "deploy", mixinStandardHelpOptions = true, description = "Deployment manifests generated from the topic catalog.",
    subcommands = {DeployCommand.Render.class})
final class DeployCommand {
  /** Instances each deployable starts with in the manifests (scale with kubectl scale / docker compose --scale). */
  static final int REPLICAS = 2;

  /**
   * One deployable per {@link FabricRuntime.App}: the status app is the one with the HTTP gateway in
   * front of callers, so its container, user and Service are called {@code gateway}.
   */
  static List<Deployable> deployables(TopicCatalog catalog) {
    List<Deployable> all = new ArrayList<>();
    for (FabricRuntime.App app : FabricRuntime.App.values()) {
      String name = app.name().toLowerCase(Locale.ROOT);
      boolean gateway = app == FabricRuntime.App.STATUS;
      all.add(new Deployable(gateway ? "gateway" : name, List.of(name), AccessRules.forApp(catalog, name), gateway, REPLICAS));
    }
    return all;
  }

  /** The catalog the manifests are rendered from: the default prefix and every plugin on the classpath. */
  static TopicCatalog catalog(int partitions) {
    return TopicCatalog.create(TopicCatalog.PREFIX, partitions, PluginRegistry.discover().pluginNames());
  }

  @Command(name = "render", mixinStandardHelpOptions = true,
      description = "Write deploy/k8s (Strimzi Kafka, KafkaTopics, KafkaUsers with ACLs, Deployments) and deploy/compose "
          + "(3-broker KRaft cluster and the apps) under --out; the committed ones are `--out deploy` with the defaults.")
  static final class Render implements Callable<Integer> {
    @Option(names = "--out", paramLabel = "DIR", required = true, description = "Directory to write k8s/ and compose/ into.")
    Path out;

    @Option(names = "--profile", paramLabel = "NAME", defaultValue = "cluster",
        description = "Topic replication: cluster (3, min.insync.replicas 2) or single-node (default ${DEFAULT-VALUE}).")
    String profile;

    @Option(names = "--namespace", paramLabel = "NAME", defaultValue = RenderOptions.DEFAULT_NAMESPACE,
        description = "Kubernetes namespace (default ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--image", paramLabel = "IMAGE", defaultValue = RenderOptions.DEFAULT_IMAGE,
        description = "The fabric image (default ${DEFAULT-VALUE}, what jib:buildTar builds).")
    String image;

    @Option(names = "--partitions", paramLabel = "N", defaultValue = "" + TopicCatalog.DEFAULT_PARTITIONS,
        description = "Partitions of the task topics (default ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--submitter", paramLabel = "NAME",
        description = "A registered submitter's Kafka user, allowed to write the ingress only. Repeatable.")
    List<String> submitters = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
      TopicCatalog catalog = catalog(partitions);
      RenderOptions options = new RenderOptions(TopicProfile.named(profile), namespace, image, submitters);
      SortedMap<String, String> files = ManifestRenderer.render(catalog, deployables(catalog), options);
      ManifestFiles.write(out, files);
      PrintWriter writer = spec.commandLine().getOut();
      files.keySet().forEach(f -> writer.println("wrote " + out.resolve(f)));
      return 0;
    }
  }
}
