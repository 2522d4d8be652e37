package io.fabric.policy.escalation;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Reads the policy's {@code approver_groups:} and {@code escalation:} sections, reporting every
 * problem with its place (the policy file turns places into lines):
 *
 * <pre>
 * approver_groups:
 *   finance: { notify: [ { plugin: email, to: finance@acme.test }, { plugin: webhook } ] }
 *   cfo:     { notify: [ { plugin: whatsapp, to: "+15550100" } ] }
 * escalation:
 *   default: [finance]                      # every class-B action without its own chain
 *   actions: { create_charge: [finance, cfo] }
 * </pre>
 */
public final class EscalationSection {
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,39}");
  private static final Pattern FIELD = Pattern.compile("[a-z][a-z0-9_]{0,31}");
  private static final Set<String> GROUP_KEYS = Set.of("notify");
  private static final Set<String> ESCALATION_KEYS = Set.of("default", "actions");

  /** A problem at a place of the file. */
  public record Problem(JsonPointer at, String message) {}

  public record Result(EscalationRules rules, List<Problem> problems) {}

  private EscalationSection() {}

  public static Result read(JsonNode groupsNode, JsonPointer groupsAt, JsonNode escalationNode, JsonPointer escalationAt) {
    List<Problem> problems = new ArrayList<>();
    Map<String, List<EscalationRules.Target>> groups = new LinkedHashMap<>();
    if (present(groupsNode)) {
      if (!groupsNode.isObject()) {
        problems.add(new Problem(groupsAt, "approver_groups must be a mapping of group name to { notify: [...] }"));
      } else {
        groupsNode.properties().forEach(e -> group(e.getKey(), e.getValue(), groupsAt.appendProperty(e.getKey()), groups, problems));
      }
    }
    List<String> defaultChain = List.of();
    Map<String, List<String>> chains = new LinkedHashMap<>();
    if (present(escalationNode)) {
      if (!escalationNode.isObject()) {
        problems.add(new Problem(escalationAt, "escalation must be a mapping with keys default, actions"));
      } else {
        unknown(escalationNode, escalationAt, ESCALATION_KEYS, "escalation", problems);
        if (escalationNode.has("default")) {
          defaultChain = chain(escalationNode.get("default"), escalationAt.appendProperty("default"), "escalation.default", groups, problems);
        }
        JsonNode actions = escalationNode.path("actions");
        JsonPointer actionsAt = escalationAt.appendProperty("actions");
        if (present(actions)) {
          if (!actions.isObject()) {
            problems.add(new Problem(actionsAt, "escalation.actions must be a mapping of action to a list of groups"));
          } else {
            actions.properties().forEach(e -> chains.put(e.getKey(),
                chain(e.getValue(), actionsAt.appendProperty(e.getKey()), "escalation.actions." + e.getKey(), groups, problems)));
          }
        }
      }
    }
    EscalationRules rules = problems.isEmpty() ? new EscalationRules(groups, defaultChain, chains) : EscalationRules.NONE;
    return new Result(rules, problems);
  }

  private static void group(String name, JsonNode node, JsonPointer at, Map<String, List<EscalationRules.Target>> groups, List<Problem> problems) {
    String where = "approver_groups." + name;
    if (!NAME.matcher(name).matches()) {
      problems.add(new Problem(at, where + ": a group name is 1 to 40 lower-case letters, digits, '_' or '-'"));
    }
    if (!node.isObject()) {
      problems.add(new Problem(at, where + " must be a mapping with key notify"));
      return;
    }
    unknown(node, at, GROUP_KEYS, where, problems);
    JsonNode notify = node.path("notify");
    JsonPointer notifyAt = at.appendProperty("notify");
    if (!notify.isArray() || notify.isEmpty()) {
      problems.add(new Problem(present(notify) ? notifyAt : at, where + ".notify must be a non-empty list of { plugin: email|whatsapp|webhook, ... }"));
      return;
    }
    List<EscalationRules.Target> targets = new ArrayList<>();
    for (int i = 0; i < notify.size(); i++) {
      final int index = i;
      JsonNode t = notify.get(i);
      JsonPointer tAt = notifyAt.appendIndex(i);
      if (!t.isObject() || !t.hasNonNull("plugin")) {
        problems.add(new Problem(tAt, where + ".notify[" + i + "] must be a mapping with plugin"));
        continue;
      }
      String plugin = t.get("plugin").asText();
      if (!EscalationRules.PLUGIN_ACTIONS.containsKey(plugin)) {
        problems.add(new Problem(tAt.appendProperty("plugin"), where + ".notify[" + i + "].plugin must be one of "
            + new TreeSet<>(EscalationRules.PLUGIN_ACTIONS.keySet()) + ", got '" + plugin + "'"));
        continue;
      }
      Map<String, String> fields = new LinkedHashMap<>();
      t.properties().forEach(f -> {
        if (f.getKey().equals("plugin")) {
          return;
        }
        if (!FIELD.matcher(f.getKey()).matches() || !f.getValue().isValueNode()) {
          problems.add(new Problem(tAt.appendProperty(f.getKey()), where + ".notify[" + index + "]." + f.getKey()
              + ": a target's fields are lower-case names with text values (e.g. to)"));
        } else {
          fields.put(f.getKey(), f.getValue().asText());
        }
      });
      if (!plugin.equals("webhook") && !fields.containsKey("to")) {
        problems.add(new Problem(tAt, where + ".notify[" + i + "]: plugin " + plugin + " needs to"));
      }
      targets.add(new EscalationRules.Target(plugin, fields));
    }
    groups.put(name, targets);
  }

  private static List<String> chain(JsonNode node, JsonPointer at, String where, Map<String, List<EscalationRules.Target>> groups,
                                    List<Problem> problems) {
    if (!node.isArray() || node.isEmpty()) {
      problems.add(new Problem(at, where + " must be a non-empty list of approver groups"));
      return List.of();
    }
    List<String> chain = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      String group = node.get(i).asText();
      if (!groups.containsKey(group)) {
        problems.add(new Problem(at.appendIndex(i), where + " names '" + group + "', which approver_groups does not define"));
      } else if (chain.contains(group)) {
        problems.add(new Problem(at.appendIndex(i), where + " names '" + group + "' twice"));
      }
      chain.add(group);
    }
    return chain;
  }

  private static void unknown(JsonNode node, JsonPointer at, Set<String> allowed, String where, List<Problem> problems) {
    node.properties().forEach(f -> {
      if (!allowed.contains(f.getKey())) {
        problems.add(new Problem(at.appendProperty(f.getKey()), "unknown key '" + f.getKey() + "' in " + where + "; expected "
            + String.join(", ", new TreeSet<>(allowed))));
      }
    });
  }

  private static boolean present(JsonNode node) {
    return node != null && !node.isMissingNode() && !node.isNull();
  }
}
