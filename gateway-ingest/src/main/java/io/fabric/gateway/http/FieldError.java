package io.fabric.gateway.http;

/** One thing wrong with a request body, named by its JSON path ({@code action}, {@code [2].flow_id}). */
public record FieldError(String field, String problem) {
  FieldError at(String prefix) {
    return new FieldError(prefix + (field.startsWith("[") || field.isEmpty() ? field : "." + field), problem);
  }
}
