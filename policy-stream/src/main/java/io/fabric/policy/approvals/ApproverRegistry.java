package io.fabric.policy.approvals;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric.policy.yaml.StrictYaml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Who may approve what: approver name to public key and scope. The gate trusts a token only if its
 * approver is here, its signature checks out against the key here, and the scope here covers the
 * request's action and tenant.
 *
 * <p>The file is YAML (JSON is YAML too):
 *
 * <pre>
 * approvers:
 *   alice:
 *     public_key_file: alice.pub          # PEM; relative paths resolve against this file's directory
 *     actions: [send_whatsapp, create_charge]
 *     tenants: ["*"]                       # "*" = any
 *   bob:
 *     public_key: "MCowBQYDK2VwAyEA..."    # base64 X.509 (or the PEM text), instead of a file
 *     actions: ["*"]
 *     tenants: [acme]
 * </pre>
 *
 * Loading is strict because a lenient reader turns typos into silently wrong permissions: unknown
 * keys, keys repeated in a mapping (a duplicate approver above all), a missing or empty scope, both
 * or neither key source, and one public key registered under two names (one person could then
 * satisfy a 2-of-N quorum alone) are errors that name the file, the line and the approver(s).
 */
public final class ApproverRegistry {
  /** Who a registry file lists: approvers (sign approvals) or submitters (sign requests); same format, another top-level key. */
  public enum Role {
    APPROVERS("approvers", "approver"),
    SUBMITTERS("submitters", "submitter");

    private final String key;
    private final String noun;

    Role(String key, String noun) {
      this.key = key;
      this.noun = noun;
    }

    String registry() {
      return noun + " registry";
    }
  }
  private static final String PUBLIC_KEY = "public_key";
  private static final String PUBLIC_KEY_FILE = "public_key_file";
  private static final String ACTIONS = "actions";
  private static final String TENANTS = "tenants";
  private static final Set<String> APPROVER_FIELDS = Set.of(PUBLIC_KEY, PUBLIC_KEY_FILE, ACTIONS, TENANTS);

  private static final JsonPointer ROOT = JsonPointer.empty();

  private final Map<String, Approver> byName;

  /** A file that cannot serve as an approver registry; the message names the file and the problem. */
  public static final class InvalidRegistryException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int line;
    private final String problem;

    public InvalidRegistryException(String message, Throwable cause) {
      this(0, message, message, cause);
    }

    private InvalidRegistryException(int line, String problem, String message, Throwable cause) {
      super(message, cause);
      this.line = line;
      this.problem = problem;
    }
  }

  private ApproverRegistry(Map<String, Approver> byName) {
    this.byName = java.util.Collections.unmodifiableMap(new TreeMap<>(byName));
  }

  /**
   * @throws IllegalArgumentException when two approvers share a name or a public key
   */
  public static ApproverRegistry of(Collection<Approver> approvers) {
    Map<String, Approver> byName = new TreeMap<>();
    Map<String, String> nameByKey = new HashMap<>();
    for (Approver approver : approvers) {
      if (byName.putIfAbsent(approver.name(), approver) != null) {
        throw new IllegalArgumentException("approver " + approver.name() + " is listed twice");
      }
      String sameKey = nameByKey.putIfAbsent(keyId(approver), approver.name());
      if (sameKey != null) {
        throw new IllegalArgumentException(sharedKeyProblem(sameKey, approver.name()));
      }
    }
    return new ApproverRegistry(byName);
  }

  public static ApproverRegistry of(Approver... approvers) {
    return of(List.of(approvers));
  }

  /**
   * Loads a registry file.
   *
   * @throws InvalidRegistryException when the file is missing, unreadable or invalid
   */
  public static ApproverRegistry load(Path file) {
    return load(Role.APPROVERS, file);
  }

  /** Loads a registry file of {@code role}'s form. */
  public static ApproverRegistry load(Role role, Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new InvalidRegistryException(role.registry() + " " + file + ": file not found", e);
    } catch (IOException e) {
      throw new InvalidRegistryException(role.registry() + " " + file + ": cannot read it: " + e.getMessage(), e);
    }
    Path baseDir = file.toAbsolutePath().getParent();
    return parse(role, text, baseDir, file.toString());
  }

  /**
   * Parses registry text, for registries that do not come from a file (a compacted topic, a
   * test); {@code baseDir} resolves relative {@code public_key_file}s and {@code source} names the
   * origin in error messages.
   *
   * @throws InvalidRegistryException when the text is invalid
   */
  public static ApproverRegistry parse(String yaml, Path baseDir, String source) {
    return parse(Role.APPROVERS, yaml, baseDir, source);
  }

  /** Parses registry text of {@code role}'s form; errors start with e.g. {@code submitter registry SOURCE:LINE}. */
  public static ApproverRegistry parse(Role role, String yaml, Path baseDir, String origin) {
    String source = role.registry() + " " + origin;
    final String APPROVERS = role.key;
    StrictYaml.Document document;
    try {
      document = StrictYaml.parse(yaml);
    } catch (StrictYaml.YamlProblem e) {
      throw invalid(source, e.line(), e.problem(), e.getCause());
    }
    JsonNode root = document.root();
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw invalid(source, "empty file; expected a top-level '" + APPROVERS + ":' mapping", null);
    }
    if (!root.isObject() || !root.has(APPROVERS)) {
      throw invalid(source, "expected a top-level '" + APPROVERS + ":' mapping", null);
    }
    for (String key : fieldNames(root)) {
      if (!key.equals(APPROVERS)) {
        throw invalid(source, document.lineOf(ROOT.appendProperty(key)),
            "unknown top-level key '" + key + "' (only '" + APPROVERS + "' is allowed)", null);
      }
    }
    JsonNode approvers = root.get(APPROVERS);
    if (approvers.isNull()) {
      return new ApproverRegistry(Map.of());
    }
    if (!approvers.isObject()) {
      throw invalid(source, document.lineOf(ROOT.appendProperty(APPROVERS)),
          "'" + APPROVERS + "' must map " + role.noun + " names to their key and scope", null);
    }
    Map<String, Approver> byName = new TreeMap<>();
    Map<String, String> nameByKey = new HashMap<>();
    for (Map.Entry<String, JsonNode> entry : approvers.properties()) {
      int line = document.lineOf(ROOT.appendProperty(APPROVERS).appendProperty(entry.getKey()));
      Approver approver = parseApprover(role, entry.getKey(), entry.getValue(), baseDir, source, document);
      String sameKey = nameByKey.putIfAbsent(keyId(approver), approver.name());
      if (sameKey != null) {
        throw invalid(source, line, role == Role.APPROVERS ? sharedKeyProblem(sameKey, approver.name())
            : "submitters '" + sameKey + "' and '" + approver.name() + "' have the same public key: their requests could not be told apart", null);
      }
      byName.put(entry.getKey(), approver);
    }
    return new ApproverRegistry(byName);
  }

  private static String sharedKeyProblem(String first, String second) {
    return "approvers '" + first + "' and '" + second + "' have the same public key: one person could"
        + " satisfy a quorum alone; give each approver their own key";
  }

  private static String keyId(Approver approver) {
    return java.util.Base64.getEncoder().encodeToString(approver.publicKey().getEncoded());
  }

  public Optional<Approver> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** Every approver, by name. */
  public Collection<Approver> approvers() {
    return byName.values();
  }

  /**
   * The approvers whose scope covers {@code action} for {@code tenantId}: the N of an M-of-N
   * quorum, so the gate can tell when a policy asks for more approvals than anyone could give.
   */
  public List<Approver> approversFor(String tenantId, String action) {
    List<Approver> eligible = new ArrayList<>();
    for (Approver approver : byName.values()) {
      if (approver.mayApproveAction(action) && approver.mayApproveTenant(tenantId)) {
        eligible.add(approver);
      }
    }
    return eligible;
  }

  public int size() {
    return byName.size();
  }

  private static Approver parseApprover(Role role, String name, JsonNode node, Path baseDir, String source, StrictYaml.Document document) {
    JsonPointer at = ROOT.appendProperty(role.key).appendProperty(name);
    String where = role.noun + " '" + name + "'";
    try {
      return parseApprover(name, node, baseDir, source, where, at, document);
    } catch (InvalidRegistryException e) {
      if (e.line > 0) {
        throw e;
      }
      // an approver's problem points at the approver's entry unless it knows a more precise line
      throw invalid(source, document.lineOf(at), e.problem, e.getCause());
    }
  }

  private static Approver parseApprover(String name, JsonNode node, Path baseDir, String source, String where, JsonPointer at,
                                        StrictYaml.Document document) {
    if (!Approver.isValidName(name)) {
      throw invalid(source, where + ": invalid name: use 1-64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit", null);
    }
    if (node == null || !node.isObject()) {
      throw invalid(source, where + ": expected a mapping with " + PUBLIC_KEY + " or " + PUBLIC_KEY_FILE
          + ", " + ACTIONS + " and " + TENANTS, null);
    }
    for (String key : fieldNames(node)) {
      if (!APPROVER_FIELDS.contains(key)) {
        throw invalid(source, document.lineOf(at.appendProperty(key)), where + ": unknown key '" + key + "' (allowed: "
            + PUBLIC_KEY + ", " + PUBLIC_KEY_FILE + ", " + ACTIONS + ", " + TENANTS + ")", null);
      }
    }
    PublicKey key = parseKey(node, where, baseDir, source);
    Set<String> actions = parseScope(node, ACTIONS, where, source);
    Set<String> tenants = parseScope(node, TENANTS, where, source);
    return new Approver(name, key, actions, tenants);
  }

  private static PublicKey parseKey(JsonNode node, String where, Path baseDir, String source) {
    boolean inline = node.has(PUBLIC_KEY);
    boolean fromFile = node.has(PUBLIC_KEY_FILE);
    if (inline == fromFile) {
      throw invalid(source, where + ": give exactly one of " + PUBLIC_KEY + " and " + PUBLIC_KEY_FILE, null);
    }
    String field = inline ? PUBLIC_KEY : PUBLIC_KEY_FILE;
    JsonNode value = node.get(field);
    if (!value.isTextual() || value.textValue().isBlank()) {
      throw invalid(source, where + ": " + field + " must be a non-empty string", null);
    }
    if (inline) {
      try {
        return ApproverKeys.parsePublicKey(value.textValue(), PUBLIC_KEY);
      } catch (IllegalArgumentException e) {
        throw invalid(source, where + ": " + e.getMessage(), e);
      }
    }
    Path keyFile = baseDir == null ? Path.of(value.textValue()) : baseDir.resolve(value.textValue());
    try {
      return ApproverKeys.readPublicKey(keyFile);
    } catch (NoSuchFileException e) {
      throw invalid(source, where + ": " + PUBLIC_KEY_FILE + " " + keyFile + " not found", e);
    } catch (IOException e) {
      throw invalid(source, where + ": " + e.getMessage(), e);
    }
  }

  private static Set<String> parseScope(JsonNode node, String field, String where, String source) {
    JsonNode list = node.get(field);
    if (list == null) {
      throw invalid(source, where + ": '" + field + "' is missing (use [\"" + Approver.ANY + "\"] for any)", null);
    }
    if (!list.isArray() || list.isEmpty()) {
      throw invalid(source, where + ": '" + field + "' must be a non-empty list (use [\"" + Approver.ANY + "\"] for any)", null);
    }
    Set<String> values = new LinkedHashSet<>();
    for (JsonNode item : list) {
      if (!item.isTextual() || item.textValue().isBlank()) {
        throw invalid(source, where + ": '" + field + "' must list non-empty strings, found " + item, null);
      }
      values.add(item.textValue().strip());
    }
    return values;
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      names.add(field.getKey());
    }
    return names;
  }

  private static InvalidRegistryException invalid(String source, String problem, Throwable cause) {
    return invalid(source, 0, problem, cause);
  }

  /** {@code SOURCE:LINE: PROBLEM} (the source names the registry), without {@code :LINE} when the line is unknown (0). */
  private static InvalidRegistryException invalid(String source, int line, String problem, Throwable cause) {
    return new InvalidRegistryException(line, problem,
        new StrictYaml.YamlProblem(line, problem).at(source), cause);
  }
}
