package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.deploy.EmbeddedKafkaExtension;
import io.fabric.deploy.TopicsApplier;
import io.fabric.deploy.TopicsApplier.TopicState;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicProfile;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code fabric topics apply|describe --profile} on the real (single-node) embedded broker: topics are
 * created as the profile says, and a topic replicated less than the cluster profile wants is reported.
 */
@Tag("integration")
@ExtendWith(EmbeddedKafkaExtension.class)
class TopicProfilesIntegrationTest {
  private final String prefix = EmbeddedKafkaExtension.uniqueName("profiles") + ".";
  private final String bootstrap = EmbeddedKafkaExtension.bootstrapServers();

  @Test
  void onTheEmbeddedBrokerApplyCreatesSingleNodeTopicsAndDescribeReportsThemWeakerThanTheClusterProfile() throws Exception {
    CliRun apply = cli("topics", "apply");
    assertEquals(0, apply.exitCode(), apply.toString());
    assertTrue(apply.out().contains("profile single-node: replication 1, min.insync.replicas 1 (from the cluster's broker count"), apply.toString());

    TopicCatalog catalog = TopicCatalog.create(prefix, 3, PluginRegistry.discover().pluginNames());
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      TopicDescription state = admin.describeTopics(List.of(catalog.flowState.name())).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(catalog.flowState.name());
      assertEquals(1, state.partitions().get(0).replicas().size());
      ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, catalog.flowState.name());
      assertEquals("1", admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
          .get("min.insync.replicas").value());
    }

    CliRun singleNode = cli("topics", "describe", "--profile", "single-node");
    assertEquals(0, singleNode.exitCode(), singleNode.toString());

    CliRun cluster = cli("topics", "describe", "--profile", "cluster");
    assertEquals(1, cluster.exitCode(), cluster.toString());
    long weaker = catalog.all().stream().filter(t -> cluster.out().lines().anyMatch(l -> l.startsWith(t.name() + " ")
        && l.contains("differs") && l.contains("replication factor 1, profile cluster wants 3")
        && l.contains("min.insync.replicas=1, profile cluster wants 2"))).count();
    assertEquals(catalog.all().size(), weaker, "every topic is reported weaker than the cluster profile:\n" + cluster);
  }

  @Test
  void applyWithTheClusterProfileOnOneBrokerSaysWhyNothingWasCreated() {
    CliRun apply = cli("topics", "apply", "--profile", "cluster");

    assertEquals(1, apply.exitCode(), apply.toString());
    assertTrue(apply.err().contains("cannot create the topics with profile cluster (replication 3)"), apply.toString());
    List<TopicState> states = TopicsApplier.describe(KafkaConnection.of(bootstrap),
        TopicCatalog.create(prefix, 3, PluginRegistry.discover().pluginNames()), TopicProfile.SINGLE_NODE);
    assertTrue(states.stream().filter(s -> s.name().startsWith(prefix)).allMatch(s -> s.state().equals("missing")),
        "no topic of the prefix was created");
  }

  private CliRun cli(String... args) {
    String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
        java.util.stream.Stream.of("--bootstrap-server", bootstrap, "--topic-prefix", prefix)).toArray(String[]::new);
    return CliRun.of(all);
  }
}
