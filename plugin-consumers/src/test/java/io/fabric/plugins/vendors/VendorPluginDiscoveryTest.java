package io.fabric.plugins.vendors;

import static io.fabric.plugins.vendors.VendorTesting.context;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric.plugins.spi.FabricPlugin;
import io.fabric.plugins.spi.PermanentTaskException;
import io.fabric.plugins.spi.PluginRegistry;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VendorPluginDiscoveryTest {
  private static final Map<String, String> OWNERS = Map.ofEntries(
      Map.entry("send_whatsapp", "whatsapp"),
      Map.entry("sync_salesforce", "salesforce"),
      Map.entry("create_charge", "stripe"),
      Map.entry("change_billing_state", "stripe"),
      Map.entry("trigger_voice_call", "voice"),
      Map.entry("send_contract_for_signature", "contracts"),
      Map.entry("analyze_contract", "contracts"),
      Map.entry("send_email", "email"),
      Map.entry("webhook", "webhook"),
      Map.entry("send_linkedin", "linkedin"),
      Map.entry("publish_content", "cms"),
      Map.entry("modify_lead_routing", "crm-routing"),
      Map.entry("send_slack", "slack"),
      Map.entry("video_generate", "media"),
      Map.entry("music_generate", "media"),
      Map.entry("summarize", "builtin"));

  @Test
  void everyVendorPluginIsFoundNextToTheBuiltinOneWithoutAClaimedTwiceTaskType() {
    PluginRegistry registry = PluginRegistry.discover();

    assertEquals(List.of("builtin", "cms", "contracts", "crm-routing", "email", "linkedin", "media", "salesforce", "slack", "stripe", "voice",
        "webhook", "whatsapp"), registry.pluginNames());
    OWNERS.forEach((taskType, plugin) -> assertEquals(plugin, registry.forTaskType(taskType).orElseThrow().name(), taskType));
  }

  @Test
  void anUnconfiguredPluginLoadsAndFailsItsTaskPermanentlyWithWhatToSet() {
    FabricPlugin whatsApp = new WhatsAppPlugin(VendorConfig.of("whatsapp", Map.of(), Map.of()));

    PermanentTaskException e = assertThrows(PermanentTaskException.class,
        () -> whatsApp.execute("acme", Map.of("to", "+15550100", "text", "hi"), context("send_whatsapp")));

    assertTrue(e.getMessage().startsWith("whatsapp plugin is not configured: set FABRIC_WHATSAPP_TOKEN"), e.getMessage());
  }
}
