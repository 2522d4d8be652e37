package io.fabric.plugins.flows;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StateMergeTest {
  @Test
  void objectsMergeRecursivelyAndOtherValuesReplace() {
    Map<String, Object> state = Map.of("summary", Map.of("text", "old", "kept", 1), "tags", List.of("a", "b"), "n", 1);
    Map<String, Object> result = Map.of("summary", Map.of("text", "new"), "tags", List.of("c"), "extra", true);

    Map<String, Object> merged = StateMerge.merge(state, result);

    assertEquals(Map.of("summary", Map.of("text", "new", "kept", 1), "tags", List.of("c"), "n", 1, "extra", true), merged);
  }

  @Test
  void aNullValueRemovesTheKeyAtAnyDepth() {
    Map<String, Object> inner = new HashMap<>();
    inner.put("drop", null);
    inner.put("keep", "x");
    Map<String, Object> result = new HashMap<>();
    result.put("n", null);
    result.put("nested", inner);

    Map<String, Object> merged = StateMerge.merge(Map.of("n", 1, "nested", Map.of("drop", 2)), result);

    assertEquals(Map.of("nested", Map.of("keep", "x")), merged);
  }

  @Test
  void emptyAndMissingInputsAreTheEmptyState() {
    assertEquals(Map.of(), StateMerge.merge(null, null));
    assertEquals(Map.of("a", 1), StateMerge.merge(Map.of("a", 1), Map.of()));
  }

  @Test
  void mergeDoesNotChangeItsInputs() {
    Map<String, Object> state = new HashMap<>(Map.of("a", new HashMap<>(Map.of("b", 1))));
    StateMerge.merge(state, Map.of("a", Map.of("c", 2)));
    assertEquals(Map.of("a", Map.of("b", 1)), state);
  }
}
