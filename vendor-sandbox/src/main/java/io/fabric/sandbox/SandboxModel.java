package io.fabric.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric.sandbox.SandboxHttp.Reply;
import io.fabric.sandbox.SandboxHttp.Request;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A deterministic language model for the sandbox, answering OpenAI chat completions
 * ({@code POST /v1/chat/completions}) and Anthropic Messages ({@code POST /v1/messages}) with the
 * same script, so an agent can be driven end to end without a real provider. The script reads the task (the conversation's first user message), so feedback does not change it:
 *
 * <ol>
 *   <li>If the task names an offered tool that the conversation has not called yet, call
 *       it (one per turn, in the order the tools were offered), its required arguments filled from the
 *       text: an e-mail address for {@code to}/{@code *email*}, {@code Re: ...} for {@code subject},
 *       the text itself for anything else.</li>
 *   <li>Otherwise answer with one JSON object: {@code category} (billing, bug, account, legal or other,
 *       by keyword), {@code reply}, {@code confidence} (0.3 when the text says "unsure", else 0.9),
 *       {@code answer} and the {@code tool_results} seen so far. A text containing
 *       {@code sandbox:invalid} always gets prose instead, to show output validation and its escalation.</li>
 * </ol>
 *
 * <p>Usage counts words. The dummy key is checked the way each provider checks it.
 */
final class SandboxModel {
  static final String OPENAI_PATH = "/v1/chat/completions";
  static final String ANTHROPIC_PATH = "/v1/messages";
  static final String OPENAI_MODEL = "sandbox-gpt";
  static final String ANTHROPIC_MODEL = "sandbox-claude";
  /** The provider names {@link #systemProperties(String, String)} configures, in fallback order. */
  static final String OPENAI_PROVIDER = "sandbox-openai";
  static final String ANTHROPIC_PROVIDER = "sandbox-anthropic";

  private static final Pattern EMAIL = Pattern.compile("[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
  private static final Map<String, List<String>> CATEGORIES = categories();

  private final String apiKey;

  SandboxModel(String apiKey) {
    this.apiKey = apiKey;
  }

  /**
   * The agents module's configuration ({@code fabric.agents.*}, documented in the README) that points
   * both providers at this sandbox; spelled out here because the sandbox depends on no fabric module.
   */
  static Map<String, String> systemProperties(String baseUrl, String apiKey) {
    Map<String, String> properties = new TreeMap<>();
    properties.put("fabric.agents.providers", OPENAI_PROVIDER + "," + ANTHROPIC_PROVIDER);
    provider(properties, OPENAI_PROVIDER, "openai", baseUrl, apiKey, OPENAI_MODEL);
    provider(properties, ANTHROPIC_PROVIDER, "anthropic", baseUrl, apiKey, ANTHROPIC_MODEL);
    return properties;
  }

  private static void provider(Map<String, String> properties, String name, String kind, String baseUrl, String apiKey, String model) {
    String prefix = "fabric.agents.provider." + name + ".";
    properties.put(prefix + "kind", kind);
    properties.put(prefix + "base_url", baseUrl + "/v1");
    properties.put(prefix + "api_key", apiKey);
    properties.put(prefix + "model", model);
  }

  /** One conversation, reduced to what the script reads. */
  private record Conversation(String taskText, Set<String> calledTools, List<String> toolResults, int assistantTurns, int words) {}

  private record Tool(String name, JsonNode parameters) {}

  /** What the script decided: a tool call, or a final text. */
  private record Turn(Optional<Tool> call, JsonNode arguments, String text) {}

  Reply openAi(Request request, Matcher path) {
    if (!request.authorizedBy("Bearer " + apiKey)) {
      return error(401, "invalid_request_error", "Incorrect API key provided");
    }
    Optional<ObjectNode> body = request.jsonObject();
    if (body.isEmpty() || !body.get().path("messages").isArray()) {
      return error(400, "invalid_request_error", "'messages' is required");
    }
    List<Tool> tools = new ArrayList<>();
    body.get().path("tools").forEach(t -> tools.add(new Tool(t.path("function").path("name").asText(), t.path("function").path("parameters"))));
    Conversation conversation = openAiConversation(body.get().path("messages"));
    Turn turn = script(conversation, tools);
    ObjectNode reply = SandboxHttp.object();
    reply.put("id", "chatcmpl-sandbox-" + (conversation.assistantTurns() + 1));
    reply.put("object", "chat.completion");
    reply.put("model", body.get().path("model").asText(OPENAI_MODEL));
    ObjectNode choice = reply.putArray("choices").addObject();
    choice.put("index", 0);
    ObjectNode message = choice.putObject("message").put("role", "assistant");
    if (turn.call().isPresent()) {
      message.putNull("content");
      message.putArray("tool_calls").addObject().put("id", "call_sandbox_" + (conversation.assistantTurns() + 1)).put("type", "function")
          .putObject("function").put("name", turn.call().get().name()).put("arguments", turn.arguments().toString());
      choice.put("finish_reason", "tool_calls");
    } else {
      message.put("content", turn.text());
      choice.put("finish_reason", "stop");
    }
    reply.putObject("usage").put("prompt_tokens", conversation.words()).put("completion_tokens", outputWords(turn))
        .put("total_tokens", conversation.words() + outputWords(turn));
    return Reply.json(200, reply);
  }

  Reply anthropic(Request request, Matcher path) {
    if (!request.header("x-api-key").map(apiKey::equals).orElse(false)) {
      return anthropicError(401, "authentication_error", "invalid x-api-key");
    }
    if (request.header("anthropic-version").isEmpty()) {
      return anthropicError(400, "invalid_request_error", "anthropic-version: header is required");
    }
    Optional<ObjectNode> body = request.jsonObject();
    if (body.isEmpty() || !body.get().path("messages").isArray() || !body.get().path("max_tokens").isNumber()) {
      return anthropicError(400, "invalid_request_error", "messages and max_tokens are required");
    }
    List<Tool> tools = new ArrayList<>();
    body.get().path("tools").forEach(t -> tools.add(new Tool(t.path("name").asText(), t.path("input_schema"))));
    Conversation conversation = anthropicConversation(body.get().path("messages"));
    Turn turn = script(conversation, tools);
    ObjectNode reply = SandboxHttp.object();
    reply.put("id", "msg_sandbox_" + (conversation.assistantTurns() + 1));
    reply.put("type", "message");
    reply.put("role", "assistant");
    reply.put("model", body.get().path("model").asText(ANTHROPIC_MODEL));
    ArrayNode content = reply.putArray("content");
    if (turn.call().isPresent()) {
      content.addObject().put("type", "tool_use").put("id", "toolu_sandbox_" + (conversation.assistantTurns() + 1))
          .put("name", turn.call().get().name()).set("input", turn.arguments());
      reply.put("stop_reason", "tool_use");
    } else {
      content.addObject().put("type", "text").put("text", turn.text());
      reply.put("stop_reason", "end_turn");
    }
    reply.putObject("usage").put("input_tokens", conversation.words()).put("output_tokens", outputWords(turn));
    return Reply.json(200, reply);
  }

  private static Turn script(Conversation conversation, List<Tool> tools) {
    String text = conversation.taskText();
    Set<String> words = Set.copyOf(words(text));
    for (Tool tool : tools) {
      if (words.contains(tool.name().toLowerCase(Locale.ROOT)) && !conversation.calledTools().contains(tool.name())) {
        return new Turn(Optional.of(tool), arguments(tool.parameters(), text), "");
      }
    }
    if (text.contains("sandbox:invalid")) {
      return new Turn(Optional.empty(), null, "I am not able to answer in JSON.");
    }
    String category = "other";
    for (Map.Entry<String, List<String>> entry : CATEGORIES.entrySet()) {
      if (entry.getValue().stream().anyMatch(words::contains)) {
        category = entry.getKey();
        break;
      }
    }
    ObjectNode answer = SandboxHttp.object();
    answer.put("category", category);
    answer.put("reply", "Thank you for your message. We are looking into it (" + category + ").");
    answer.put("confidence", words.contains("unsure") ? 0.3 : 0.9);
    answer.put("answer", firstSentence(text));
    ArrayNode results = answer.putArray("tool_results");
    conversation.toolResults().forEach(results::add);
    return new Turn(Optional.empty(), null, answer.toString());
  }

  /** The tool's required arguments (all of its properties when it requires none), filled from the text. */
  private static JsonNode arguments(JsonNode schema, String text) {
    ObjectNode arguments = SandboxHttp.object();
    Set<String> names = new LinkedHashSet<>();
    schema.path("required").forEach(n -> names.add(n.asText()));
    if (names.isEmpty()) {
      schema.path("properties").fieldNames().forEachRemaining(names::add);
    }
    if (names.isEmpty()) {
      names.add("text");
    }
    for (String name : names) {
      String type = schema.path("properties").path(name).path("type").asText("string");
      String lower = name.toLowerCase(Locale.ROOT);
      switch (type) {
        case "number", "integer" -> arguments.put(name, 1);
        case "boolean" -> arguments.put(name, false);
        default -> {
          if (lower.equals("to") || lower.contains("email")) {
            Matcher email = EMAIL.matcher(text);
            arguments.put(name, email.find() ? email.group() : "customer@example.com");
          } else if (lower.equals("subject")) {
            arguments.put(name, "Re: " + firstSentence(text));
          } else {
            arguments.put(name, text);
          }
        }
      }
    }
    return arguments;
  }

  private static Conversation openAiConversation(JsonNode messages) {
    String task = "";
    Set<String> called = new LinkedHashSet<>();
    List<String> results = new ArrayList<>();
    int assistantTurns = 0;
    int words = 0;
    for (JsonNode message : messages) {
      String role = message.path("role").asText();
      String content = message.path("content").isTextual() ? message.path("content").asText() : "";
      words += words(content).size();
      switch (role) {
        case "user" -> task = task.isEmpty() ? content : task;
        case "assistant" -> {
          assistantTurns++;
          message.path("tool_calls").forEach(c -> called.add(c.path("function").path("name").asText()));
        }
        case "tool" -> results.add(content);
        default -> { }
      }
    }
    return new Conversation(task, called, results, assistantTurns, words);
  }

  private static Conversation anthropicConversation(JsonNode messages) {
    String task = "";
    Set<String> called = new LinkedHashSet<>();
    List<String> results = new ArrayList<>();
    int assistantTurns = 0;
    int words = 0;
    for (JsonNode message : messages) {
      boolean user = "user".equals(message.path("role").asText());
      if (!user) {
        assistantTurns++;
      }
      JsonNode content = message.path("content");
      if (content.isTextual()) {
        words += words(content.asText()).size();
        if (user && task.isEmpty()) {
          task = content.asText();
        }
        continue;
      }
      for (JsonNode block : content) {
        switch (block.path("type").asText()) {
          case "text" -> {
            words += words(block.path("text").asText()).size();
            if (user && task.isEmpty()) {
              task = block.path("text").asText();
            }
          }
          case "tool_use" -> called.add(block.path("name").asText());
          case "tool_result" -> results.add(block.path("content").isTextual() ? block.path("content").asText() : block.path("content").toString());
          default -> { }
        }
      }
    }
    return new Conversation(task, called, results, assistantTurns, words);
  }

  private static int outputWords(Turn turn) {
    return turn.call().isPresent() ? words(turn.arguments().toString()).size() : words(turn.text()).size();
  }

  private static List<String> words(String text) {
    List<String> words = new ArrayList<>();
    for (String word : text.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{N}_]+")) {
      if (!word.isEmpty()) {
        words.add(word);
      }
    }
    return words;
  }

  private static String firstSentence(String text) {
    String stripped = text.strip();
    int end = stripped.indexOf('.');
    String sentence = end > 0 ? stripped.substring(0, end) : stripped;
    return sentence.length() <= 80 ? sentence : sentence.substring(0, 80);
  }

  private static Reply error(int status, String type, String message) {
    ObjectNode body = SandboxHttp.object();
    body.putObject("error").put("message", message).put("type", type);
    return Reply.json(status, body);
  }

  private static Reply anthropicError(int status, String type, String message) {
    ObjectNode body = SandboxHttp.object();
    body.put("type", "error");
    body.putObject("error").put("type", type).put("message", message);
    return Reply.json(status, body);
  }

  private static Map<String, List<String>> categories() {
    Map<String, List<String>> categories = new java.util.LinkedHashMap<>();
    categories.put("legal", List.of("lawyer", "lawsuit", "legal", "gdpr", "court"));
    categories.put("billing", List.of("invoice", "refund", "charge", "charged", "billing", "payment"));
    categories.put("bug", List.of("bug", "error", "crash", "crashes", "broken"));
    categories.put("account", List.of("login", "password", "account"));
    return categories;
  }
}
