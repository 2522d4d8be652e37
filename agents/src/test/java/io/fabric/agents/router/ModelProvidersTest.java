package io.fabric.agents.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.agents.model.ProviderConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ModelProvidersTest {
  @Test
  void providersAreReadInTheirOrderWithDefaults() {
    List<ProviderConfig> configs = ModelProviders.configs(ModelProviders.from(Map.of(
        "fabric.agents.providers", "local, claude",
        "fabric.agents.provider.local.base_url", "http://localhost:11434/v1/",
        "fabric.agents.provider.local.model", "llama3.1",
        "fabric.agents.provider.claude.kind", "Anthropic",
        "fabric.agents.provider.claude.base_url", "https://api.anthropic.com/v1",
        "fabric.agents.provider.claude.api_key", "sk-ant-secret-123",
        "fabric.agents.provider.claude.model", "claude-x",
        "fabric.agents.provider.claude.timeout_ms", "1500")));
    assertEquals(List.of("local", "claude"), configs.stream().map(ProviderConfig::name).toList());
    assertEquals(new ProviderConfig("local", ProviderConfig.Kind.OPENAI, "http://localhost:11434/v1", Optional.empty(), "llama3.1",
        ProviderConfig.DEFAULT_TIMEOUT), configs.get(0));
    assertEquals(ProviderConfig.Kind.ANTHROPIC, configs.get(1).kind());
    assertEquals(Duration.ofMillis(1500), configs.get(1).timeout());
    assertFalse(configs.toString().contains("sk-ant-secret-123"), configs.toString());
  }

  @Test
  void aMissingSettingNamesItsPropertyAndEnvironmentVariable() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelProviders.configs(ModelProviders.from(Map.of(
        "fabric.agents.providers", "sandbox-openai", "fabric.agents.provider.sandbox-openai.model", "m"))));
    assertEquals("model provider sandbox-openai needs fabric.agents.provider.sandbox-openai.base_url "
        + "(or FABRIC_AGENTS_PROVIDER_SANDBOX_OPENAI_BASE_URL)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ProviderConfig.Kind.parse("gemini"));
    assertTrue(ModelProviders.configs(ModelProviders.from(Map.of())).isEmpty(), "no providers is not an error until a model is needed");
  }

  @Test
  void routesAreReadFromTheirSetting() {
    RoutingRules rules = ModelProviders.rules(ModelProviders.from(Map.of("fabric.agents.routes", "*@acme=local")));
    assertEquals(List.of("local"), rules.chain("any", "acme", List.of(), List.of("openai", "local")));
  }
}
