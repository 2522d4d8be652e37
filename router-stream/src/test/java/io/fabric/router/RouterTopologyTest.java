package io.fabric.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.contracts.AuditEvent;
import io.fabric.contracts.DeadLetter;
import io.fabric.contracts.PolicyDecision;
import io.fabric.contracts.RequestStatus;
import io.fabric.contracts.RoutedTask;
import io.fabric.contracts.TaskRequest;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.plugins.spi.TaskContext;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.streams.FabricStreamsConfig;
import io.fabric.schemas.topics.TopicCatalog;
import io.fabric.schemas.topics.TopicSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RouterTopologyTest {
  private final PluginRegistry registry = PluginRegistry.of(List.of(plugin("notes", Set.of("summarize"), null),
      plugin("payments", Set.of("create_charge"), "2.0-canary")));
  private final TopicCatalog catalog = TopicCatalog.create(3, registry.pluginNames());

  @TempDir
  Path stateDir;

  private TopologyTestDriver driver;
  private TestInputTopic<String, RoutedTask> routed;

  @BeforeEach
  void start() {
    Properties props = props();
    driver = new TopologyTestDriver(RouterTopology.build(catalog, new RouteTable(registry, catalog), props), props);
    routed = driver.createInputTopic(catalog.routed.name(), catalog.routed.keySerde().serializer(), catalog.routed.valueSerde().serializer());
  }

  @AfterEach
  void close() {
    driver.close();
  }

  private Properties props() {
    return FabricStreamsConfig.forApp(KafkaConnection.of("dummy:9092"), catalog, "router-test", RouterTopology.STAGE, stateDir, Map.of());
  }

  private <V> TestOutputTopic<String, V> output(TopicSpec<String, V> topic) {
    return driver.createOutputTopic(topic.name(), topic.keySerde().deserializer(), topic.valueSerde().deserializer());
  }

  private static RoutedTask task(String action, boolean canary) {
    TaskRequest request = TaskRequest.newBuilder().setRequestId("r-" + action).setTenantId("acme").setFlowId("f-" + action)
        .setAction(action).setPayload("{}").setIdempotencyKey("k").setSubmittedAt(0).setSource("test").build();
    return RoutedTask.newBuilder().setRequest(request).setDecision(PolicyDecision.newBuilder().setActionClass("A")
        .setRule("r").setPolicyVersion("v").setDecidedAt(0).setCanary(canary).build()).build();
  }

  @Test
  void tasksGoToTheTopicOfThePluginThatDeclaresThem() {
    routed.pipeInput("f-summarize", task("summarize", false));
    routed.pipeInput("f-create_charge", task("create_charge", false));

    assertEquals("f-summarize", output(catalog.pluginTasks("notes")).readKeyValue().key);
    assertEquals("create_charge", output(catalog.pluginTasks("payments")).readValue().getRequest().getAction());
  }

  @Test
  void canaryTasksGoToTheCanaryTopicOnlyWhenThePluginRunsACanary() {
    routed.pipeInput("f-create_charge", task("create_charge", true));
    routed.pipeInput("f-summarize", task("summarize", true));

    assertEquals(1, output(catalog.pluginCanaryTasks("payments")).readValuesToList().size());
    assertEquals(1, output(catalog.pluginTasks("notes")).readValuesToList().size(), "no canary version: the normal topic");
  }

  @Test
  void anUnknownTaskTypeIsDeadLetteredAuditedAndGivenAStatus() {
    routed.pipeInput("f-launch", task("launch", false));

    DeadLetter letter = output(catalog.dlq).readValue();
    assertEquals("UNKNOWN_TASK_TYPE", letter.getReason());
    assertEquals("router-stream", letter.getStage());
    assertEquals("launch", letter.getAction());
    assertEquals(catalog.routed.name(), letter.getOriginalTopic());
    assertEquals(task("launch", false), catalog.routed.valueSerde().deserializer().deserialize("t", letter.getOriginalValue().array()));
    AuditEvent event = output(catalog.audit).readValue();
    assertEquals("UNKNOWN_TASK_TYPE", event.getType());
    RequestStatus status = output(catalog.requestStatus).readKeyValuesToMap().get("r-launch");
    assertEquals("DEAD_LETTER", status.getOutcome());
    assertTrue(output(catalog.pluginTasks("notes")).isEmpty());
  }

  @Test
  void theTopologyMatchesItsCommittedSnapshot() throws Exception {
    String described = RouterTopology.build(catalog, new RouteTable(registry, catalog), props()).describe().toString();
    Path snapshot = Path.of("src/test/resources/router-topology.txt");
    if (Boolean.getBoolean("updateSnapshots")) {
      Files.writeString(snapshot, described);
    }
    assertEquals(Files.readString(snapshot), described, "the router topology changed: rerun with -DupdateSnapshots=true once checked");
  }

  private static FabricPlugin plugin(String name, Set<String> types, String canary) {
    return new FabricPlugin() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public Set<String> taskTypes() {
        return types;
      }

      @Override
      public Optional<String> canaryVersion() {
        return Optional.ofNullable(canary);
      }

      @Override
      public Map<String, Object> execute(String tenantId, Map<String, Object> payload, TaskContext context) {
        return Map.of();
      }
    };
  }
}
