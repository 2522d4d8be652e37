package io.fabric.gateway.http;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Filters from a query string, read the same way by every route that takes them: an unknown name is
 * refused (a mistyped filter must not silently select everything), a list filter may be repeated or
 * comma-separated, a single one given twice is refused.
 */
public final class QueryParams {
  private final Map<String, List<String>> params;

  /** @throws IllegalArgumentException naming a parameter that is not one of {@code known} */
  public QueryParams(Map<String, List<String>> params, Set<String> known) {
    for (String name : params.keySet()) {
      if (!known.contains(name)) {
        throw new IllegalArgumentException("unknown filter '" + name + "'; the filters are " + new TreeSet<>(known));
      }
    }
    this.params = Map.copyOf(params);
  }

  public List<String> values(String name) {
    return params.getOrDefault(name, List.of()).stream().flatMap(v -> Arrays.stream(v.split(",")))
        .map(String::strip).filter(v -> !v.isEmpty()).toList();
  }

  /** @throws IllegalArgumentException when it is given more than once */
  public Optional<String> single(String name) {
    List<String> given = params.getOrDefault(name, List.of()).stream().filter(v -> !v.isBlank()).toList();
    if (given.size() > 1) {
      throw new IllegalArgumentException(name + " is given " + given.size() + " times; give it once");
    }
    return given.stream().findFirst();
  }
}
