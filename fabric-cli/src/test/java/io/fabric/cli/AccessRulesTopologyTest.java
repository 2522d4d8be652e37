package io.fabric.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric.gateway.http.StatusStore;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.policy.NoApproverRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.PolicyGate;
import io.fabric.policy.topology.PolicyTopology;
import io.fabric.router.RouteTable;
import io.fabric.router.RouterTopology;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.AccessRules;
import io.fabric.schemas.topics.TopicCatalog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ACLs {@code fabric deploy render} writes come from {@link AccessRules}, declared by hand next to
 * the catalog; this test holds the declarations to what the Streams topologies really read and write,
 * so a topology that gains an input or a fixed output fails here before it fails on a secured cluster.
 * Sinks that pick their topic per record (TopicNameExtractor) are not visible in a description; the
 * AccessRulesTest in schemas pins those.
 */
class AccessRulesTopologyTest {
  private final TopicCatalog catalog = TopicCatalog.create(3, PluginRegistry.discover().pluginNames());

  @TempDir
  Path stateDir;

  @Test
  void theStatusAppIsTheGatewayStageTheRulesName() {
    assertEquals(StatusStore.STAGE, AccessRules.STATUS_STAGE);
    assertEquals(AccessRules.APPS, java.util.Arrays.stream(FabricRuntime.App.values())
        .map(a -> a.name().toLowerCase(java.util.Locale.ROOT)).toList(), "every app of fabric run --apps has its access rules");
  }

  @Test
  void thePolicyTopologyReadsAndWritesOnlyWhatItsPrincipalMay() {
    Topology topology = PolicyTopology.build(catalog, new PolicyGate(Policy.defaults(), new NoApproverRegistry()), Duration.ofSeconds(10),
        props(TopicCatalog.POLICY_STAGE));
    check(topology, "policy", catalog.applicationId(TopicCatalog.POLICY_STAGE));
  }

  @Test
  void theRouterTopologyReadsAndWritesOnlyWhatItsPrincipalMay() {
    Topology topology = RouterTopology.build(catalog, new RouteTable(PluginRegistry.discover(), catalog), props(TopicCatalog.ROUTER_STAGE));
    check(topology, "router", catalog.applicationId(TopicCatalog.ROUTER_STAGE));
  }

  @Test
  void theStatusTopologyReadsAndWritesOnlyWhatItsPrincipalMay() {
    check(StatusStore.topology(catalog, props(StatusStore.STAGE)), "status", catalog.applicationId(StatusStore.STAGE));
  }

  private void check(Topology topology, String app, String applicationId) {
    AccessRules.Principal principal = AccessRules.forApp(catalog, app);
    Set<String> sources = new TreeSet<>();
    Set<String> sinks = new TreeSet<>();
    for (TopologyDescription.Subtopology sub : topology.describe().subtopologies()) {
      for (TopologyDescription.Node node : sub.nodes()) {
        if (node instanceof TopologyDescription.Source source && source.topicSet() != null) {
          sources.addAll(source.topicSet());
        } else if (node instanceof TopologyDescription.Sink sink && sink.topic() != null) {
          sinks.add(sink.topic());
        }
      }
    }
    assertFalse(sources.isEmpty(), "the topology has sources");
    List<String> refused = new ArrayList<>();
    // a repartition topic shows without the application id in a description; Kafka names it <application id>-<name>
    sources.stream().map(t -> internal(t) ? applicationId + "-" + t : t).filter(t -> !principal.mayRead(t))
        .forEach(t -> refused.add("reads " + t));
    sinks.stream().map(t -> internal(t) ? applicationId + "-" + t : t).filter(t -> !principal.mayWrite(t))
        .forEach(t -> refused.add("writes " + t));
    assertEquals(List.of(), refused, app + ": its topology does what AccessRules does not allow");
  }

  private boolean internal(String topic) {
    return !topic.startsWith(catalog.prefix());
  }

  private Properties props(String stage) {
    return FabricStreamsConfig.forApp(KafkaConnection.of("dummy:9092"), catalog, catalog.applicationId(stage), stage,
        stateDir.resolve(stage), Map.of());
  }
}
