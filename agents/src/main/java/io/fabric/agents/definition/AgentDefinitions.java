package io.fabric.agents.definition;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.fabric.agents.definition.AgentDefinition.Escalation;
import io.fabric.agents.definition.AgentDefinition.FieldRule;
import io.fabric.agents.definition.AgentDefinition.ModelPreference;
import io.fabric.agents.definition.AgentDefinition.ModelSettings;
import io.fabric.policy.yaml.StrictYaml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Reads agent definitions from YAML and says precisely what is wrong with one: every problem carries
 * the line of the key it is about, so {@code fabric agents check FILE} can print {@code FILE:LINE: why}.
 *
 * <p>A definition is checked in two passes: its shape against {@code agent-definition.schema.json}
 * (unknown keys included, so a misspelt {@code escalaton:} is not silently ignored), then its meaning:
 * the input and output schemas must be valid JSON Schemas, and the fields the escalation rules read
 * must be properties the output schema declares.
 */
public final class AgentDefinitions {
  private static final JsonSchemas DEFINITION_SCHEMA = JsonSchemas.resource("agent-definition.schema.json");
  private static final JsonPointer DEFAULT_CONFIDENCE_FIELD = JsonPointer.compile("/confidence");

  /** A problem at a line of a definition (0: the file as a whole). */
  public record Problem(int line, String message) {
    public String at(String source) {
      return source + (line > 0 ? ":" + line : "") + ": " + message;
    }
  }

  /** The definition, or why there is none. */
  public record Parsed(Optional<AgentDefinition> definition, List<Problem> problems) {
    public boolean ok() {
      return problems.isEmpty();
    }
  }

  /** Every definition of a directory by name, and the problems of the files that are not ones, as {@code FILE:LINE: why}. */
  public record Catalog(Map<String, AgentDefinition> byName, List<String> problems) {
    public Optional<AgentDefinition> get(String name) {
      return Optional.ofNullable(byName.get(name));
    }
  }

  private AgentDefinitions() {}

  /** Reads one definition. */
  public static Parsed parse(String yaml) {
    StrictYaml.Document document;
    try {
      document = StrictYaml.parse(yaml);
    } catch (StrictYaml.YamlProblem e) {
      return failed(List.of(new Problem(e.line(), e.problem())));
    }
    JsonNode root = document.root();
    if (!root.isObject()) {
      return failed(List.of(new Problem(0, "an agent definition is a YAML mapping (name, system_prompt, output_schema, ...)")));
    }
    List<Problem> problems = new ArrayList<>();
    for (JsonSchemas.Violation v : DEFINITION_SCHEMA.validate(root)) {
      problems.add(new Problem(document.lineOf(v.at()), describe(v)));
    }
    if (!problems.isEmpty()) {
      return failed(problems);
    }
    for (String key : List.of("input_schema", "output_schema")) {
      JsonNode schema = root.path(key);
      if (schema.isMissingNode()) {
        continue;
      }
      JsonPointer at = JsonPointer.compile("/" + key);
      for (JsonSchemas.Violation v : JsonSchemas.problemsOfSchema(schema)) {
        JsonPointer inFile = at.append(v.at());
        problems.add(new Problem(document.lineOf(inFile), key + " is not a valid JSON Schema: " + describe(v)));
      }
    }
    AgentDefinition definition = build(root);
    checkEscalationFields(definition, document, problems);
    for (int i = 0; i < definition.tools().size(); i++) {
      if (io.fabric.policy.Policy.AGENT_CLASS_A.contains(definition.tools().get(i))) {
        // a run it started acts as whichever agent the payload names, signed as that agent's submitter: an identity hop
        problems.add(new Problem(document.lineOf(JsonPointer.compile("/tools/" + i)), "tools: " + definition.tools().get(i)
            + " may not be an agent's tool: the run it starts would act as any agent its payload names, signed as that agent"));
      }
    }
    return problems.isEmpty() ? new Parsed(Optional.of(definition), List.of()) : failed(problems);
  }

  /** Reads one file; problems name no file (the caller knows it). */
  public static Parsed read(Path file) throws IOException {
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** Every {@code *.yaml}/{@code *.yml} of {@code directory} (not recursive), by agent name; two files with one name is a problem. */
  public static Catalog load(Path directory) throws IOException {
    Map<String, AgentDefinition> byName = new TreeMap<>();
    Map<String, Path> fileOf = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    List<Path> files;
    try (Stream<Path> listing = Files.list(directory)) {
      files = listing.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
          .sorted(Comparator.comparing(Path::toString)).toList();
    }
    for (Path file : files) {
      Parsed parsed = read(file);
      parsed.problems().forEach(p -> problems.add(p.at(file.toString())));
      parsed.definition().ifPresent(d -> {
        Path first = fileOf.putIfAbsent(d.name(), file);
        if (first != null) {
          problems.add(file + ": agent '" + d.name() + "' is already defined in " + first);
        } else {
          byName.put(d.name(), d);
        }
      });
    }
    return new Catalog(Map.copyOf(byName), List.copyOf(problems));
  }

  private static Parsed failed(List<Problem> problems) {
    List<Problem> sorted = new ArrayList<>(problems);
    sorted.sort(Comparator.comparingInt(Problem::line));
    return new Parsed(Optional.empty(), List.copyOf(sorted));
  }

  private static String describe(JsonSchemas.Violation v) {
    String where = StrictYaml.dotted(v.at());
    return (where.isEmpty() ? "" : where + ": ") + v.message();
  }

  private static AgentDefinition build(JsonNode root) {
    String name = root.path("name").asText();
    JsonNode model = root.path("model");
    List<ModelPreference> preferences = new ArrayList<>();
    model.path("preferences").forEach(p -> preferences.add(new ModelPreference(p.path("provider").asText(),
        p.hasNonNull("model") ? Optional.of(p.path("model").asText()) : Optional.empty())));
    ModelSettings settings = new ModelSettings(List.copyOf(preferences),
        model.path("temperature").asDouble(ModelSettings.DEFAULT_TEMPERATURE),
        model.path("max_tokens").asInt(ModelSettings.DEFAULT_MAX_TOKENS),
        model.path("max_turns").asInt(ModelSettings.DEFAULT_MAX_TURNS));
    List<String> tools = new ArrayList<>();
    root.path("tools").forEach(t -> tools.add(t.asText()));
    JsonNode escalation = root.path("escalation");
    List<FieldRule> fields = new ArrayList<>();
    escalation.path("fields").forEach(f -> {
      List<JsonNode> values = new ArrayList<>();
      f.path("equals").forEach(values::add);
      fields.add(new FieldRule(field(f.path("field").asText()), List.copyOf(values)));
    });
    LinkedHashSet<String> classes = new LinkedHashSet<>();
    escalation.path("proposed_action_classes").forEach(c -> classes.add(c.asText()));
    Escalation rules = new Escalation(
        escalation.hasNonNull("confidence_below") ? Optional.of(escalation.path("confidence_below").asDouble()) : Optional.empty(),
        escalation.hasNonNull("confidence_field") ? field(escalation.path("confidence_field").asText()) : DEFAULT_CONFIDENCE_FIELD,
        List.copyOf(fields), java.util.Set.copyOf(classes),
        escalation.path("max_validation_failures").asInt(Escalation.DEFAULT_MAX_VALIDATION_FAILURES));
    JsonNode input = root.has("input_schema") ? root.get("input_schema") : JsonNodeFactory.instance.objectNode();
    return new AgentDefinition(name, root.path("description").asText(""), root.path("system_prompt").asText(),
        root.hasNonNull("submitter") ? root.path("submitter").asText() : "agent-" + name, input, root.get("output_schema"),
        settings, List.copyOf(tools), rules);
  }

  /** {@code /a/b} as it is, {@code a.b} as {@code /a/b}: a field of the output, as a pointer. */
  static JsonPointer field(String text) {
    return text.startsWith("/") ? JsonPointer.compile(text) : JsonPointer.compile("/" + text.replace("~", "~0").replace("/", "~1")
        .replace(".", "/"));
  }

  /** A rule on a field the output schema does not declare could never fire: refuse it rather than let it sleep. */
  private static void checkEscalationFields(AgentDefinition definition, StrictYaml.Document document, List<Problem> problems) {
    Escalation escalation = definition.escalation();
    if (escalation.confidenceBelow().isPresent() && !declares(definition.outputSchema(), escalation.confidenceField())) {
      problems.add(new Problem(document.lineOf(JsonPointer.compile("/escalation/confidence_below")),
          "escalation.confidence_below reads " + escalation.confidenceField() + ", which output_schema does not declare"
              + " (add it to its properties, or set escalation.confidence_field)"));
    }
    for (int i = 0; i < escalation.fields().size(); i++) {
      FieldRule rule = escalation.fields().get(i);
      if (!declares(definition.outputSchema(), rule.field())) {
        problems.add(new Problem(document.lineOf(JsonPointer.compile("/escalation/fields/" + i + "/field")),
            "escalation field " + rule.field() + " is not a property output_schema declares"));
      }
    }
  }

  /** Whether the schema's {@code properties} (nested through objects) name every step of {@code field}. */
  private static boolean declares(JsonNode schema, JsonPointer field) {
    JsonNode at = schema;
    for (JsonPointer p = field; p != null && !p.matches(); p = p.tail()) {
      at = at.path("properties").path(p.getMatchingProperty());
      if (at.isMissingNode()) {
        return false;
      }
    }
    return true;
  }
}
