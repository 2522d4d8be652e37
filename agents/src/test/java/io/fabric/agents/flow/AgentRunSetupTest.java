package io.fabric.agents.flow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.agents.router.ModelProviders;
import io.fabric.plugins.builtin.BuiltinPlugin;
import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PluginRegistry;
import io.fabric.policy.Policy;
import io.fabric.policy.approvals.ApproverKeys;
import io.fabric.schemas.config.KafkaConnection;
import io.fabric.schemas.topics.TopicCatalog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code fabric run} runs: the agents plugin configured only with agents and a provider; the builtin wrapped only when asked. */
class AgentRunSetupTest {
  private static final KafkaConnection KAFKA = new KafkaConnection("127.0.0.1:1", Map.of());
  private final PluginRegistry discovered = PluginRegistry.of(List.of(new BuiltinPlugin(), new AgentRunPlugin()));

  @TempDir
  Path dir;

  private AgentRunSetup.Configured configure(Map<String, String> settings) {
    return AgentRunSetup.configure(discovered, KAFKA, TopicCatalog.defaults(), Policy.defaults(), new SimpleMeterRegistry(),
        ModelProviders.from(settings));
  }

  private Map<String, String> withAgentsAndProvider() throws Exception {
    Path agents = Files.createDirectories(dir.resolve("agents"));
    Files.writeString(agents.resolve("a.yaml"), "name: a\nsystem_prompt: x\nsubmitter: agent-a\ntools: [tag]\n");
    ApproverKeys.generate("agent-a", dir.resolve("keys"));
    Map<String, String> settings = new HashMap<>(Map.of(AgentRunSetup.DIR, agents.toString(), AgentRunSetup.KEYS_DIR,
        dir.resolve("keys").toString(), ModelProviders.PROVIDERS, "local", ModelProviders.key("local", "base_url"), "http://127.0.0.1:1/v1",
        ModelProviders.key("local", "model"), "m"));
    return settings;
  }

  @Test
  void withoutAnAgentsDirectoryNothingChangesAndNoProviderSettingIsRead() throws Exception {
    var configured = configure(Map.of(AgentRunSetup.DIR, dir.resolve("none").toString(), ModelProviders.PROVIDERS, "broken"));
    assertTrue(configured.why().orElseThrow().startsWith("no agents directory"));
    assertFalse(((AgentRunPlugin) configured.registry().byName(AgentRunPlugin.NAME).orElseThrow()).isConfigured());
  }

  @Test
  void agentsAndAProviderConfigureThePluginAndTheBuiltinIsWrappedOnlyWhenAsked() throws Exception {
    var settings = withAgentsAndProvider();
    var configured = configure(settings);
    configured.resources().close();
    assertTrue(((AgentRunPlugin) configured.registry().byName(AgentRunPlugin.NAME).orElseThrow()).isConfigured());
    assertInstanceOf(BuiltinPlugin.class, configured.registry().byName("builtin").orElseThrow());

    settings.put(AgentRunSetup.BUILTIN_ACTIONS, "model");
    var wrapped = configure(settings);
    wrapped.resources().close();
    FabricPlugin builtin = wrapped.registry().byName("builtin").orElseThrow();
    assertInstanceOf(ModelBackedActions.class, builtin);
    assertEquals(new BuiltinPlugin().taskTypes(), builtin.taskTypes(), "same task types, so the routes stay");
  }
}
