package io.fabric.plugins.vendors;

import io.fabric.plugins.spi.PermanentTaskException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Typed reads of a task payload or a checkpointed result; a missing or mistyped field is a permanent failure naming it. */
final class VendorPayload {
  private VendorPayload() {}

  static String text(Map<String, ?> payload, String field) throws PermanentTaskException {
    return optionalText(payload, field)
        .orElseThrow(() -> new PermanentTaskException("payload field '" + field + "' must be a non-empty string"));
  }

  static Optional<String> optionalText(Map<String, ?> payload, String field) throws PermanentTaskException {
    Object value = payload.get(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String s)) {
      throw new PermanentTaskException("payload field '" + field + "' must be a string");
    }
    return s.isBlank() ? Optional.empty() : Optional.of(s.strip());
  }

  static boolean flag(Map<String, ?> payload, String field, boolean fallback) throws PermanentTaskException {
    Object value = payload.get(field);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean b)) {
      throw new PermanentTaskException("payload field '" + field + "' must be true or false");
    }
    return b;
  }

  static long positiveLong(Map<String, ?> payload, String field) throws PermanentTaskException {
    Object value = payload.get(field);
    if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.longValue() <= 0) {
      throw new PermanentTaskException("payload field '" + field + "' must be a positive integer");
    }
    return n.longValue();
  }

  static Map<String, Object> object(Map<String, ?> payload, String field) throws PermanentTaskException {
    return optionalObject(payload, field)
        .orElseThrow(() -> new PermanentTaskException("payload field '" + field + "' must be an object"));
  }

  static Optional<Map<String, Object>> optionalObject(Map<String, ?> payload, String field) throws PermanentTaskException {
    Object value = payload.get(field);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new PermanentTaskException("payload field '" + field + "' must be an object");
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((k, v) -> copy.put(String.valueOf(k), v));
    return Optional.of(copy);
  }

  /** A string or a list of strings, as a non-empty list. */
  static List<String> texts(Map<String, ?> payload, String field, boolean required) throws PermanentTaskException {
    Object value = payload.get(field);
    List<String> texts = new ArrayList<>();
    if (value instanceof String s && !s.isBlank()) {
      texts.add(s.strip());
    } else if (value instanceof List<?> list) {
      for (Object item : list) {
        if (!(item instanceof String s) || s.isBlank()) {
          throw new PermanentTaskException("payload field '" + field + "' must be a string or a list of non-empty strings");
        }
        texts.add(s.strip());
      }
    } else if (value != null) {
      throw new PermanentTaskException("payload field '" + field + "' must be a string or a list of strings");
    }
    if (required && texts.isEmpty()) {
      throw new PermanentTaskException("payload field '" + field + "' must name at least one value");
    }
    return texts;
  }

  static List<Map<String, Object>> objects(Map<String, ?> payload, String field) throws PermanentTaskException {
    Object value = payload.get(field);
    if (!(value instanceof List<?> list) || list.isEmpty()) {
      throw new PermanentTaskException("payload field '" + field + "' must be a non-empty list of objects");
    }
    List<Map<String, Object>> objects = new ArrayList<>();
    for (Object item : list) {
      if (!(item instanceof Map<?, ?> map)) {
        throw new PermanentTaskException("payload field '" + field + "' must be a non-empty list of objects");
      }
      Map<String, Object> copy = new LinkedHashMap<>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), v));
      objects.add(copy);
    }
    return objects;
  }

  /** The id a compensation needs from the step's checkpointed result, e.g. {@code stripe_charge.payment_intent_id}. */
  static String resultId(Map<String, Object> result, String section, String field) throws PermanentTaskException {
    if (result != null && result.get(section) instanceof Map<?, ?> map && map.get(field) instanceof String id && !id.isBlank()) {
      return id;
    }
    throw new PermanentTaskException("the step's result has no " + section + "." + field + ", so there is nothing to compensate");
  }

  /** A field of a section of the checkpointed result, if present. */
  static Optional<String> resultText(Map<String, Object> result, String section, String field) {
    if (result != null && result.get(section) instanceof Map<?, ?> map && map.get(field) instanceof String text && !text.isBlank()) {
      return Optional.of(text);
    }
    return Optional.empty();
  }
}
