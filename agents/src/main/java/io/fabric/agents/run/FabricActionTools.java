package io.fabric.agents.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric.agents.model.ToolSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a model sees the fabric's actions as tools: a description and the JSON Schema of the payload
 * each plugin reads (its required fields only where the plugin requires them), so a model's call is
 * a payload the plugin accepts. Actions not listed here are offered as "any JSON object".
 */
public final class FabricActionTools {
  public static final Map<String, ToolSpec> SPECS = specs();

  private FabricActionTools() {}

  private static Map<String, ToolSpec> specs() {
    Map<String, ToolSpec> specs = new LinkedHashMap<>();
    String text = "{\"type\":\"object\",\"required\":[\"text\"],\"properties\":{\"text\":{\"type\":\"string\"}";
    put(specs, "summarize", "Extractive summary of a text.", text + ",\"max_sentences\":{\"type\":\"integer\",\"minimum\":1}}}");
    put(specs, "tag", "Tags a text by keyword rules (default rules: billing, bug, account, ...).", text + "}}");
    put(specs, "classify", "The one label of a text by keyword rules.", text + "}}");
    put(specs, "research", "Ranks given sources by how well they answer a question.", "{\"type\":\"object\",\"required\":[\"question\"],"
        + "\"properties\":{\"question\":{\"type\":\"string\"},\"sources\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}}}}");
    put(specs, "generate_draft", "Drafts a text from a subject and points, or fills a template.", "{\"type\":\"object\",\"required\":"
        + "[\"subject\"],\"properties\":{\"subject\":{\"type\":\"string\"},\"points\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}}}");
    put(specs, "plan", "Orders the steps towards a goal.", "{\"type\":\"object\",\"required\":[\"goal\"],\"properties\":"
        + "{\"goal\":{\"type\":\"string\"},\"steps\":{\"type\":\"array\"}}}");
    put(specs, "send_email", "Sends an e-mail (class B: a person approves it first).", "{\"type\":\"object\",\"required\":"
        + "[\"to\",\"subject\",\"text\"],\"properties\":{\"to\":{\"type\":\"string\"},\"subject\":{\"type\":\"string\"},\"text\":{\"type\":\"string\"}}}");
    return Map.copyOf(specs);
  }

  private static void put(Map<String, ToolSpec> specs, String action, String description, String schema) {
    try {
      JsonNode parsed = new ObjectMapper().readTree(schema);
      specs.put(action, new ToolSpec(action, description, parsed));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
