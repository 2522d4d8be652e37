package io.fabric.policy.yaml;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the fabric's governance files (policy, approver registry) as a tree that remembers the line
 * of every key, and refuses a mapping that names a key twice.
 *
 * <p>A plain YAML reader keeps the last of two equal keys and forgets where anything was, so a
 * duplicated or misspelt key silently changes what the file means and the error cannot point at
 * it. These files decide who may do what, so a reader of them must be strict and precise.
 */
public final class StrictYaml {
  private static final ObjectMapper MAPPER = new ObjectMapper(new YAMLFactory());

  /** A file's tree and the line where each of its keys (or list items) starts, by JSON pointer. */
  public static final class Document {
    private final JsonNode root;
    private final Map<JsonPointer, Integer> lines;
    private final List<YamlProblem> duplicates;

    private Document(JsonNode root, Map<JsonPointer, Integer> lines, List<YamlProblem> duplicates) {
      this.root = root;
      this.lines = Map.copyOf(lines);
      this.duplicates = List.copyOf(duplicates);
    }

    /** Every repeated key, in file order (only {@link #parseCollecting} returns a document that has any); the first one is kept. */
    public List<YamlProblem> duplicates() {
      return duplicates;
    }

    /** The content; a {@link MissingNode} for an empty file. */
    public JsonNode root() {
      return root;
    }

    /**
     * The 1-based line of the key at {@code at}, or of its nearest ancestor the file has; 0 when
     * none is known (the root).
     */
    public int lineOf(JsonPointer at) {
      for (JsonPointer p = at; p != null && !p.matches(); p = p.head()) {
        Integer line = lines.get(p);
        if (line != null) {
          return line;
        }
      }
      return 0;
    }

    /**
     * Refuses a key of the mapping at {@code at} that is not in {@code allowed}, naming the first
     * such key and its line. A missing or null node has no keys, so it passes.
     *
     * @throws YamlProblem for the first unknown key
     */
    public void requireKnownKeys(JsonPointer at, Set<String> allowed, String where) {
      JsonNode node = root.at(at);
      if (!node.isObject()) {
        return;
      }
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        if (!allowed.contains(field.getKey())) {
          throw new YamlProblem(lineOf(at.appendProperty(field.getKey())), "unknown key '" + field.getKey() + "' in " + where
              + "; expected " + String.join(", ", new java.util.TreeSet<>(allowed)));
        }
      }
    }
  }

  /** A problem at a line of a file (0 when the line is unknown); the caller adds the file's name. */
  public static final class YamlProblem extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int line;
    private final String problem;

    public YamlProblem(int line, String problem) {
      this(line, problem, null);
    }

    public YamlProblem(int line, String problem, Throwable cause) {
      super((line > 0 ? "line " + line + ": " : "") + problem, cause);
      this.line = line;
      this.problem = problem;
    }

    public int line() {
      return line;
    }

    /** The reason, without the line. */
    public String problem() {
      return problem;
    }

    /** {@code SOURCE:LINE: PROBLEM}, or {@code SOURCE: PROBLEM} without a line. */
    public String at(String source) {
      return source + (line > 0 ? ":" + line : "") + ": " + problem;
    }
  }

  private StrictYaml() {}

  /**
   * Parses {@code yaml}.
   *
   * @throws YamlProblem when the text is not YAML or a mapping repeats a key
   */
  public static Document parse(String yaml) {
    Document document = parseCollecting(yaml);
    if (!document.duplicates().isEmpty()) {
      throw document.duplicates().get(0);
    }
    return document;
  }

  /**
   * Parses {@code yaml}, recording every repeated key in {@link Document#duplicates()} (keeping the
   * first) instead of stopping at the first, so a checker can report them all.
   *
   * @throws YamlProblem when the text is not YAML
   */
  public static Document parseCollecting(String yaml) {
    Map<JsonPointer, Integer> lines = new HashMap<>();
    List<YamlProblem> duplicates = new ArrayList<>();
    try (JsonParser parser = MAPPER.createParser(yaml)) {
      if (parser.nextToken() == null) {
        return new Document(MissingNode.getInstance(), lines, duplicates);
      }
      JsonNode root = read(parser, JsonPointer.empty(), lines, duplicates);
      return new Document(root, lines, duplicates);
    } catch (JsonProcessingException e) {
      JsonLocation where = e.getLocation();
      throw new YamlProblem(where == null ? 0 : Math.max(0, where.getLineNr()), "not valid YAML: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new YamlProblem(0, "cannot read YAML: " + e.getMessage(), e);
    }
  }

  private static JsonNode read(JsonParser parser, JsonPointer at, Map<JsonPointer, Integer> lines, List<YamlProblem> duplicates)
      throws IOException {
    JsonToken token = parser.currentToken();
    if (token == JsonToken.START_OBJECT) {
      ObjectNode object = JsonNodeFactory.instance.objectNode();
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        int line = parser.currentTokenLocation().getLineNr();
        JsonPointer child = at.appendProperty(name);
        if (object.has(name)) {
          duplicates.add(new YamlProblem(line, "duplicate key '" + name + "'" + (at.matches() ? "" : " in " + dotted(at))
              + " (first at line " + lines.get(child) + "); a repeated key would silently replace the first"));
          parser.nextToken();
          parser.skipChildren();
          continue;
        }
        lines.put(child, line);
        parser.nextToken();
        object.set(name, read(parser, child, lines, duplicates));
      }
      return object;
    }
    if (token == JsonToken.START_ARRAY) {
      ArrayNode array = JsonNodeFactory.instance.arrayNode();
      int index = 0;
      while (parser.nextToken() != JsonToken.END_ARRAY) {
        JsonPointer child = at.appendIndex(index++);
        lines.put(child, parser.currentTokenLocation().getLineNr());
        array.add(read(parser, child, lines, duplicates));
      }
      return array;
    }
    JsonNode scalar = MAPPER.readTree(parser);
    return scalar == null ? NullNode.getInstance() : scalar;
  }

  /** {@code /approvals/actions/x} as {@code approvals.actions.x}, the form error messages use. */
  public static String dotted(JsonPointer at) {
    StringBuilder text = new StringBuilder();
    for (JsonPointer p = at; p != null && !p.matches(); p = p.tail()) {
      if (text.length() > 0) {
        text.append('.');
      }
      text.append(p.getMatchingProperty());
    }
    return text.toString();
  }
}
