package io.fabric.plugins.flows;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How a step's result becomes part of the flow's state: JSON Merge Patch (RFC 7386). Objects merge
 * key by key, recursively; any other value (arrays included) replaces; a {@code null} value removes
 * the key. A plugin that wants to clear a field returns it as null.
 */
public final class StateMerge {
  private StateMerge() {}

  public static Map<String, Object> merge(Map<String, Object> state, Map<String, Object> patch) {
    Map<String, Object> merged = new LinkedHashMap<>(state == null ? Map.of() : state);
    if (patch == null) {
      return merged;
    }
    for (Map.Entry<String, Object> entry : patch.entrySet()) {
      Object value = entry.getValue();
      if (value == null) {
        merged.remove(entry.getKey());
      } else if (value instanceof Map<?, ?> patchObject) {
        Map<String, Object> base = merged.get(entry.getKey()) instanceof Map<?, ?> existing ? asObject(existing) : Map.of();
        merged.put(entry.getKey(), merge(base, asObject(patchObject)));
      } else {
        merged.put(entry.getKey(), value);
      }
    }
    return merged;
  }

  private static Map<String, Object> asObject(Map<?, ?> map) {
    Map<String, Object> object = new LinkedHashMap<>();
    map.forEach((k, v) -> object.put(String.valueOf(k), v));
    return object;
  }
}
