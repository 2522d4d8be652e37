package io.fabric.plugins.builtin;

import io.fabric.plugins.spi.PermanentTaskException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Typed reads of a JSON payload; a missing or mistyped field is a permanent failure naming the field. */
final class Payloads {
  private Payloads() {}

  static String text(Map<String, Object> payload, String field) throws PermanentTaskException {
    Object value = payload.get(field);
    if (!(value instanceof String s) || s.isBlank()) {
      throw new PermanentTaskException("payload field '" + field + "' must be a non-empty string");
    }
    return s;
  }

  static String optionalText(Map<String, Object> payload, String field, String fallback) throws PermanentTaskException {
    Object value = payload.get(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String s)) {
      throw new PermanentTaskException("payload field '" + field + "' must be a string");
    }
    return s;
  }

  static int optionalInt(Map<String, Object> payload, String field, int fallback, int min, int max) throws PermanentTaskException {
    Object value = payload.get(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < min || n.intValue() > max) {
      throw new PermanentTaskException("payload field '" + field + "' must be an integer in [" + min + ", " + max + "]");
    }
    return n.intValue();
  }

  /**
   * The first of {@code fields} present in the payload (so a newcomer's obvious name works too, e.g.
   * {@code query} for {@code question}); none present is a failure naming them all.
   */
  static String textOf(Map<String, Object> payload, String... fields) throws PermanentTaskException {
    for (String field : fields) {
      if (payload.get(field) != null) {
        return text(payload, field);
      }
    }
    throw new PermanentTaskException("payload field '" + fields[0] + "' must be a non-empty string"
        + (fields.length > 1 ? " (or one of " + String.join(", ", List.of(fields).subList(1, fields.length)) + ")" : ""));
  }

  /**
   * {@code {"label": ["keyword", ...]}}; absent, the {@link DefaultRules}, so {@code tag} and
   * {@code classify} work on plain text.
   */
  static Map<String, List<String>> rules(Map<String, Object> payload) throws PermanentTaskException {
    Object value = payload.get("rules");
    if (value == null) {
      return DefaultRules.RULES;
    }
    if (!(value instanceof Map<?, ?> map) || map.isEmpty()) {
      throw new PermanentTaskException("payload field 'rules' must be an object of label -> [keywords]");
    }
    Map<String, List<String>> rules = new LinkedHashMap<>();
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      rules.put(String.valueOf(entry.getKey()), strings(entry.getValue(), "rules." + entry.getKey()));
    }
    return rules;
  }

  static List<String> strings(Object value, String field) throws PermanentTaskException {
    if (!(value instanceof List<?> list)) {
      throw new PermanentTaskException("payload field '" + field + "' must be a list of strings");
    }
    List<String> strings = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof String s)) {
        throw new PermanentTaskException("payload field '" + field + "' must be a list of strings");
      }
      strings.add(s);
    }
    return strings;
  }

  static List<Double> numbers(Map<String, Object> payload, String field) throws PermanentTaskException {
    Object value = payload.get(field);
    if (!(value instanceof List<?> list)) {
      throw new PermanentTaskException("payload field '" + field + "' must be a list of numbers");
    }
    List<Double> numbers = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof Number n)) {
        throw new PermanentTaskException("payload field '" + field + "' must be a list of numbers");
      }
      numbers.add(n.doubleValue());
    }
    return numbers;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> objects(Map<String, Object> payload, String field) throws PermanentTaskException {
    Object value = payload.get(field);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof List<?> list) || list.stream().anyMatch(o -> !(o instanceof Map<?, ?>))) {
      throw new PermanentTaskException("payload field '" + field + "' must be a list of objects");
    }
    return (List<Map<String, Object>>) list;
  }
}
